using System.Text.Json;
using System.Text.Json.Nodes;

namespace Verity.Chain;

/// <summary>
/// A deployment as a JSON file, what every daemon and command needs to find the contracts: chain id, the block it
/// was deployed at (where followers start), and each contract's address.
/// </summary>
public sealed record DeploymentFile(Deployment Deployment, long ChainId, long Block)
{
    private static readonly string[] Keys = ["owner", "token", "datasets", "models", "staking", "market", "devices", "dispute_game"];

    public void Write(string path)
    {
        var d = Deployment;
        Address[] values = [d.Owner, d.Token, d.Datasets, d.Models, d.Staking, d.Market, d.Devices, d.DisputeGame];
        var o = new JsonObject { ["chain_id"] = ChainId, ["block"] = Block };
        for (var i = 0; i < Keys.Length; i++)
            o[Keys[i]] = values[i].ToString();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Reads a deployment file; a missing or malformed key is an <see cref="InvalidDataException"/> naming it.</summary>
    public static DeploymentFile Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"deployment file {path} not found", path);
        JsonObject o;
        try
        {
            o = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"deployment file {path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"deployment file {path}: not JSON ({e.Message})");
        }
        Address Get(string key)
        {
            try
            {
                return Address.Parse(o[key]?.GetValue<string>() ?? throw new InvalidDataException($"deployment file {path}: missing \"{key}\""));
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                throw new InvalidDataException($"deployment file {path}: \"{key}\" is not an address ({e.Message})");
            }
        }
        long Number(string key)
        {
            try
            {
                return o[key]?.GetValue<long>() ?? throw new InvalidDataException($"deployment file {path}: missing \"{key}\"");
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                throw new InvalidDataException($"deployment file {path}: \"{key}\" is not a number");
            }
        }
        var a = Keys.Select(Get).ToArray();
        return new DeploymentFile(new Deployment(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]), Number("chain_id"), Number("block"));
    }
}
