using System.CommandLine;
using System.Numerics;
using Verity.Chain;
using Verity.Chain.Dispute;
using Verity.Chain.Provenance;
using Verity.Cli.Models;
using Verity.Cli.Network;
using Verity.Commitments;
using Ds = Verity.Chain.Generated.DatasetRegistry;

namespace Verity.Cli.Commands;

/// <summary>`verity model register` (a model with its lineage) and `verity royalties [claim]` (docs/PROVENANCE.md).</summary>
public static class LineageCommands
{
    // The registry's caps (IModelRegistry), checked here too so that bad input never reaches a transaction.
    private const int MaxDatasets = 8, MaxDatasetBps = 5_000, MaxOwnerAndDatasetBps = 7_000;

    public static Command Model(NetworkOptions net)
    {
        var model = new Command("model", "Register models with their lineage");
        var file = new Option<string>("--model") { Description = "Shipped model name (minilm, resnet18) or .vmodel file", Required = true };
        var parent = new Option<string?>("--parent") { Description = "Id of the parent model (lineage)" };
        var datasets = new Option<string[]>("--dataset") { Description = "Dataset and its share of each fee, id:bps (repeatable, at most 8, summing to at most 5000)", AllowMultipleArgumentsPerToken = true };
        var fee = new Option<decimal>("--fee") { Description = "Fee per job in tokens", Required = true };
        var ownerBps = new Option<int>("--owner-bps") { Description = "The owner's share of each fee in basis points", DefaultValueFactory = _ => 1000 };
        var modelClass = new Option<int>("--class") { Description = "Model class (sets the minimum worker stake)", DefaultValueFactory = _ => 1 };
        var register = net.AddTo(new Command("register", "Register a model owned by the sending account: id, weights root, fee, parent and dataset shares") { file, parent, datasets, fee, ownerBps, modelClass });
        register.SetAction(async p => await Cli.RunAsync(async () =>
        {
            var loaded = new ModelStore(ModelFiles.Default(), Console.Error.WriteLine).Load(p.GetValue(file)!);
            // The dispute game needs the model's shape facts, or results of it could not be disputed.
            var shape = Verity.Node.DisputeModels.Build(loaded.Model);
            return await RegisterModelAsync(net.Read(p), loaded.Id, loaded.WeightsRoot, p.GetValue(parent), p.GetValue(datasets) ?? [],
                p.GetValue(fee), p.GetValue(ownerBps), p.GetValue(modelClass), shape);
        }));
        model.Subcommands.Add(register);
        return model;
    }

    public static Command Royalties(NetworkOptions net)
    {
        var address = new Option<string?>("--address") { Description = "Account to report on (default: the sending account)" };
        var royalties = net.AddTo(new Command("royalties", "What an account earned as model owner and data contributor, from which models and datasets") { address });
        royalties.SetAction(async p => await Cli.RunAsync(() => ReportAsync(net.Read(p), p.GetValue(address))));
        var claim = net.AddTo(new Command("claim", "Distribute the pots that owe the sending account and withdraw everything it is owed"));
        claim.SetAction(async p => await Cli.RunAsync(() => ClaimAsync(net.Read(p))));
        royalties.Subcommands.Add(claim);
        return royalties;
    }

    public static async Task<int> RegisterModelAsync(NetworkConfig c, Hash256 id, Hash256 weightsRoot, string? parentText,
        IReadOnlyList<string> datasetArgs, decimal feeTokens, int ownerBps, int modelClass, DisputeModel? shape = null)
    {
        var fee = TokenAmount.FromDecimal(feeTokens, "--fee");
        if (fee >= BigInteger.One << 80) throw new ArgumentException($"--fee {feeTokens} is above the registry's limit of 2^80 - 1 wei");
        if (ownerBps is < 0 or > MaxOwnerAndDatasetBps) throw new ArgumentException($"--owner-bps must be 0 to {MaxOwnerAndDatasetBps}, got {ownerBps}");
        if (modelClass is < 0 or > ushort.MaxValue) throw new ArgumentException($"--class must be 0 to 65535, got {modelClass}");
        var shares = datasetArgs.Select(ParseShare).ToList();
        if (shares.Count > MaxDatasets) throw new ArgumentException($"{shares.Count} datasets; a model may cite at most {MaxDatasets}");
        if (shares.GroupBy(s => s.DatasetId).FirstOrDefault(g => g.Count() > 1) is { } dup)
            throw new ArgumentException($"dataset 0x{dup.Key} is given twice");
        var sum = shares.Sum(s => s.Bps);
        if (sum > MaxDatasetBps) throw new ArgumentException($"dataset shares sum to {sum} bps; at most {MaxDatasetBps}");
        if (ownerBps + sum > MaxOwnerAndDatasetBps)
            throw new ArgumentException($"--owner-bps {ownerBps} plus dataset shares {sum} is {ownerBps + sum} bps; at most {MaxOwnerAndDatasetBps}");
        Hash256? parent = parentText is null ? null : ProvenanceCommands.ParseId(parentText, "--parent");

        var net = await NetworkConnection.OpenAsync(c);
        var v = net.Contracts;
        if (await v.ModelAsync(id) is { } existing) throw new ArgumentException($"model 0x{id} is already registered (owner {existing.Owner})");
        if (parent is { } pid && await v.ModelAsync(pid) is null) throw new ArgumentException($"unknown parent model {parentText}");
        foreach (var s in shares)
        {
            if (!await v.DatasetExistsAsync(s.DatasetId)) throw new ArgumentException($"unknown dataset 0x{s.DatasetId}");
            if (!await v.Chain.QueryAsync<Ds.IsActiveFunction, bool>(v.Deployment.Datasets, new() { Id = s.DatasetId.ToArray() }))
                throw new ArgumentException($"dataset 0x{s.DatasetId} is retired or was invalidated by a challenge: it cannot be cited");
        }
        await v.RegisterModelAsync(net.Account, new ModelSpec(id, weightsRoot, (uint)Verity.Engine.Ops.OpSet.Version, (ushort)modelClass,
            (ushort)ownerBps, fee, parent, shares));
        if (shape is not null)
            await v.SetShapeAsync(net.Account, id, shape);
        Console.WriteLine($"model 0x{id} registered by {net.Account}: fee {feeTokens}, owner {ownerBps} bps, {shares.Count} dataset(s) {sum} bps" +
            (parent is { } p ? $", parent 0x{p}" : ""));
        return 0;
    }

    private static DatasetShare ParseShare(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon < 0) throw new ArgumentException($"--dataset must be id:bps, got \"{text}\"");
        var id = ProvenanceCommands.ParseId(text[..colon], "--dataset id");
        if (!ushort.TryParse(text[(colon + 1)..], out var bps) || bps == 0)
            throw new ArgumentException($"--dataset {text}: the share must be 1 to {MaxDatasetBps} bps");
        return new DatasetShare(id, bps);
    }

    public static async Task<int> ReportAsync(NetworkConfig c, string? addressText)
    {
        Address? asked = addressText is null ? null : Address.Parse(addressText);
        var net = await NetworkConnection.OpenAsync(c);
        var who = asked ?? net.Account;
        var r = await Verity.Chain.Provenance.Royalties.ReportAsync(net.Contracts, who, net.Deployment.Block);
        Console.WriteLine($"royalties of {who}");
        foreach (var m in r.Models)
            Console.WriteLine($"  model   0x{m.Model}  earned {TokenAmount.Short(m.Amount)} as owner" +
                (m.Undistributed > 0 ? $"  ({TokenAmount.Short(m.Undistributed)} in the model's pot, not yet distributed)" : ""));
        foreach (var d in r.Datasets)
            Console.WriteLine($"  dataset 0x{d.Dataset}  {d.Bps} bps  earned {TokenAmount.Short(d.Amount)}" +
                (d.Invalid ? "  INVALIDATED (earns nothing more)" : "") +
                (d.Undistributed > 0 ? $"  ({TokenAmount.Short(d.Undistributed)} in its pool, not yet distributed)" : "") +
                (d.ViaModels.Count > 0 ? $"  via model(s) {string.Join(", ", d.ViaModels.Select(x => "0x" + x))}" : ""));
        if (r.Models.Count == 0 && r.Datasets.Count == 0) Console.WriteLine("  no models owned and no datasets contributed to");
        Console.WriteLine($"  claimable now {TokenAmount.Short(r.Claimable)}; withdrawn so far {TokenAmount.Short(r.Withdrawn)}");
        return 0;
    }

    public static async Task<int> ClaimAsync(NetworkConfig c)
    {
        var net = await NetworkConnection.OpenAsync(c);
        var me = net.Account;
        var amount = await Verity.Chain.Provenance.Royalties.ClaimAsync(net.Contracts, me, net.Deployment.Block);
        if (amount == 0) throw new ArgumentException($"{me} has nothing to claim");
        Console.WriteLine($"claimed {TokenAmount.Short(amount)} tokens ({amount} wei) to {me}");
        return 0;
    }
}
