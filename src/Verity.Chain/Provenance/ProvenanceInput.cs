using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Verity.Chain.Provenance;

/// <summary>The JSON-lines input of <c>verity data build</c>: one reading (from <c>verity device simulate</c> or a
/// real device) or one plain contribution per line (docs/PROVENANCE.md).</summary>
public static class ProvenanceInput
{
    /// <summary>One line of a reading file: the reading and the domain its device signed it under.</summary>
    public static string ReadingLine(SignedReading r, DeviceDomain domain) => new JsonObject
    {
        ["chainId"] = domain.ChainId,
        ["registry"] = domain.Registry.Hex,
        ["device"] = r.Device.Hex,
        ["owner"] = r.Owner.Hex,
        ["sequence"] = r.Sequence,
        ["timestamp"] = r.Timestamp,
        ["payload"] = Encoding.UTF8.GetString(r.Payload),
        ["signature"] = "0x" + Convert.ToHexStringLower(r.Signature),
    }.ToJsonString(Relaxed);

    // The payload is JSON text itself: keep its quotes readable (\" rather than \u0022); the parsed bytes are the same.
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Reads every line of <paramref name="path"/>: readings with their domain, and plain records.</summary>
    /// <exception cref="InvalidDataException">A line that is not one of the two forms, naming file, line and field.</exception>
    public static IReadOnlyList<(DataRecord Record, DeviceDomain? Domain)> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        var result = new List<(DataRecord, DeviceDomain?)>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            var where = $"{path}:{i + 1}";
            JsonObject o;
            try
            {
                o = JsonNode.Parse(lines[i]) as JsonObject ?? throw new InvalidDataException($"{where}: a line must be one JSON object");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{where}: not JSON ({e.Message})");
            }
            result.Add(o.ContainsKey("device") ? ParseReading(o, where) : ParsePlain(o, where));
        }
        if (result.Count == 0) throw new InvalidDataException($"{path}: no records");
        return result;
    }

    private static (DataRecord, DeviceDomain?) ParseReading(JsonObject o, string where)
    {
        var domain = new DeviceDomain(Long(o, "chainId", where), Addr(o, "registry", where));
        var payload = Encoding.UTF8.GetBytes(Str(o, "payload", where));
        var sig = Hex(Str(o, "signature", where), where, "signature");
        if (sig.Length != 65) throw new InvalidDataException($"{where}: signature must be 65 bytes, not {sig.Length}");
        var reading = new SignedReading(Addr(o, "device", where), Addr(o, "owner", where), (ulong)Long(o, "sequence", where),
            (ulong)Long(o, "timestamp", where), payload, sig);
        if (reading.Device.IsZero) throw new InvalidDataException($"{where}: device must not be the zero address");
        return (reading.ToRecord(), domain);
    }

    private static (DataRecord, DeviceDomain?) ParsePlain(JsonObject o, string where)
    {
        var contributor = Addr(o, "contributor", where);
        var payload = Encoding.UTF8.GetBytes(Str(o, "payload", where));
        return (DataRecord.Plain(contributor, Verity.Commitments.Hash256.Of(payload)), null);
    }

    private static string Str(JsonObject o, string name, string where) =>
        o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s
            : throw new InvalidDataException($"{where}: missing or non-string \"{name}\"");

    private static long Long(JsonObject o, string name, string where) =>
        o[name] is JsonValue v && v.TryGetValue<long>(out var n) && n >= 0 ? n
            : throw new InvalidDataException($"{where}: \"{name}\" must be a non-negative integer");

    private static Address Addr(JsonObject o, string name, string where)
    {
        var s = Str(o, name, where);
        try
        {
            return Address.Parse(s);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new InvalidDataException($"{where}: \"{name}\" is not an address: {s}");
        }
    }

    private static byte[] Hex(string s, string where, string name)
    {
        try
        {
            return Convert.FromHexString(s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? s[2..] : s);
        }
        catch (FormatException)
        {
            throw new InvalidDataException($"{where}: \"{name}\" is not hex");
        }
    }
}
