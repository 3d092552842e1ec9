using System.Text.Json;
using System.Text.Json.Nodes;
using Verity.Chain;

namespace Verity.Explorer;

/// <summary>
/// Reads and writes a deployment file: the contract addresses and the block the deployment started at, e.g.
/// <c>{"chainId":31337,"block":0,"owner":"0x…","token":"0x…","datasets":"0x…","models":"0x…","staking":"0x…",
/// "market":"0x…","devices":"0x…","disputeGame":"0x…"}</c>. Minimal on purpose: the shared network configuration
/// may replace it.
/// </summary>
public static class DeploymentJson
{
    /// <summary>Parses a deployment file; a missing or malformed field is a <see cref="FormatException"/> naming it.</summary>
    public static (Deployment Deployment, long Block) Read(string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: not JSON ({e.Message})", e);
        }
        if (root is not JsonObject o)
            throw new FormatException($"{path}: expected a JSON object");
        Address A(string name) => o[name]?.GetValueKind() == JsonValueKind.String
            ? Address.Parse(o[name]!.GetValue<string>()) : throw new FormatException($"{path}: \"{name}\" (an address) is missing");
        long block = o["block"]?.GetValueKind() == JsonValueKind.Number ? o["block"]!.GetValue<long>() : 0;
        var d = new Deployment(A("owner"), A("token"), A("datasets"), A("models"), A("staking"), A("market"), A("devices"),
            o["disputeGame"] is null ? default : A("disputeGame"));
        return (d, block);
    }

    public static void Write(string path, Deployment d, long block, long chainId)
    {
        var o = new JsonObject
        {
            ["chainId"] = chainId, ["block"] = block, ["owner"] = d.Owner.Hex, ["token"] = d.Token.Hex, ["datasets"] = d.Datasets.Hex,
            ["models"] = d.Models.Hex, ["staking"] = d.Staking.Hex, ["market"] = d.Market.Hex, ["devices"] = d.Devices.Hex,
            ["disputeGame"] = d.DisputeGame.Hex,
        };
        File.WriteAllText(path, o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
