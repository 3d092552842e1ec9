using System.CommandLine;
using System.Numerics;
using System.Text;
using Verity.Chain;
using Verity.Chain.Provenance;
using Verity.Cli.Network;
using Verity.Commitments;

namespace Verity.Cli.Commands;

/// <summary>`verity device register|simulate` and `verity data build|register|challenge` (docs/PROVENANCE.md).
/// Every command checks all of its input, against the chain where needed, before it sends the first transaction.</summary>
public static class ProvenanceCommands
{
    public static Command Device(NetworkOptions net)
    {
        var device = new Command("device", "Bind device keys to their owner and run simulated sensor fleets");
        var keyOpt = new Option<string>("--key") { Description = "File holding the device's private key (0x + 64 hex digits)", Required = true };
        var register = net.AddTo(new Command("register", "Bind a device key to the sending account (the device signs the binding)") { keyOpt });
        register.SetAction(async p => await Cli.RunAsync(() => RegisterDeviceAsync(net.Read(p), p.GetValue(keyOpt)!)));

        var count = new Option<int>("--count") { Description = "Devices in the fleet", Required = true };
        var readings = new Option<int>("--readings") { Description = "Readings per device", DefaultValueFactory = _ => 10 };
        var seed = new Option<string>("--seed") { Description = "Seed of the fleet's device keys (same seed, same devices)", DefaultValueFactory = _ => "fleet" };
        var output = new Option<string>("-o", "--output") { Description = "Readings file to write (JSON lines)", Required = true };
        var simulate = net.AddTo(new Command("simulate", "Bind a fleet of simulated sensors to the sending account and write their signed readings") { count, readings, seed, output });
        simulate.SetAction(async p => await Cli.RunAsync(() => SimulateAsync(net.Read(p), p.GetValue(count), p.GetValue(readings),
            p.GetValue(seed)!, p.GetValue(output)!)));
        device.Subcommands.Add(register);
        device.Subcommands.Add(simulate);
        return device;
    }

    public static Command Data(NetworkOptions net)
    {
        var data = new Command("data", "Build, register and challenge datasets");
        var inputs = new Argument<string[]>("records") { Description = "Records or readings files (JSON lines)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("-o", "--output") { Description = "Dataset file to write", Required = true };
        var build = new Command("build", "Check records and readings and write the canonical dataset file (root, shares, id)") { inputs, output };
        build.SetAction(p => Cli.Run(() => Build(p.GetValue(inputs)!, p.GetValue(output)!)));

        var file = new Argument<string>("dataset.json") { Description = "Dataset file from `verity data build`" };
        var bond = new Option<decimal>("--bond") { Description = "Bond in tokens (slashed if a record is shown to be bad)", Required = true };
        var register = net.AddTo(new Command("register", "Register a dataset's root, record count and shares with a bond") { file, bond });
        register.SetAction(async p => await Cli.RunAsync(() => RegisterDatasetAsync(net.Read(p), p.GetValue(file)!, p.GetValue(bond))));

        var id = new Argument<string>("dataset-id") { Description = "The registered dataset's id" };
        var record = new Option<int>("--record") { Description = "Index of the record to challenge", Required = true };
        var datasetFile = new Option<string>("--dataset") { Description = "The dataset file holding the records", Required = true };
        var force = new Option<bool>("--force") { Description = "Send even though the record looks sound here (the bond is then lost)" };
        var challenge = net.AddTo(new Command("challenge", "Show one bad record of a registered dataset: its bond is slashed, part of it paid to you") { id, record, datasetFile, force });
        challenge.SetAction(async p => await Cli.RunAsync(() => ChallengeAsync(net.Read(p), p.GetValue(id)!, p.GetValue(datasetFile)!,
            p.GetValue(record), p.GetValue(force))));
        foreach (var c in new[] { build, register, challenge }) data.Subcommands.Add(c);
        return data;
    }

    public static async Task<int> RegisterDeviceAsync(NetworkConfig c, string keyFile)
    {
        if (!File.Exists(keyFile)) throw new FileNotFoundException($"device key file {keyFile} not found", keyFile);
        var key = new DeviceKey(File.ReadAllText(keyFile));
        var net = await NetworkConnection.OpenAsync(c);
        var owner = await net.Contracts.DeviceOwnerAsync(key.Address);
        if (!owner.IsZero) throw new ArgumentException($"device {key.Address} is already bound to {owner}");
        await net.Contracts.BindDeviceAsync(net.Account, key);
        Console.WriteLine($"device {key.Address} bound to {net.Account}");
        return 0;
    }

    public static async Task<int> SimulateAsync(NetworkConfig c, int count, int readings, string seed, string output)
    {
        if (count is < 1 or > 1000) throw new ArgumentException($"--count must be 1 to 1000, got {count}");
        if (readings is < 1 or > 100_000) throw new ArgumentException($"--readings must be 1 to 100000, got {readings}");
        var net = await NetworkConnection.OpenAsync(c);
        var me = net.Account;
        var domain = await net.Contracts.DeviceDomainAsync();
        var fleet = Enumerable.Range(0, count).Select(i => DeviceKey.FromSeed(seed, i)).ToList();
        var toBind = new List<DeviceKey>();
        foreach (var d in fleet)
        {
            var owner = await net.Contracts.DeviceOwnerAsync(d.Address);
            if (owner.IsZero) toBind.Add(d);
            else if (owner != me) throw new ArgumentException($"simulated device {d.Address} (seed \"{seed}\") is bound to {owner}, not {me}: use another --seed");
        }
        foreach (var d in toBind) await net.Contracts.BindDeviceAsync(me, d);
        var start = (ulong)await net.Chain.BlockTimestampAsync();
        var lines = new List<string>();
        for (var i = 0; i < count; i++)
            for (var s = 1; s <= readings; s++)
            {
                // A deterministic, plausible temperature series per device.
                var celsius = 18 + (i * 37 + s * 11) % 90 / 10.0;
                var payload = Encoding.UTF8.GetBytes($"{{\"sensor\":\"temperature\",\"celsius\":{celsius.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)}}}");
                lines.Add(ProvenanceInput.ReadingLine(fleet[i].SignReading(domain, me, (ulong)s, start + 60 * (ulong)s, payload), domain));
            }
        File.WriteAllLines(output, lines);
        Console.WriteLine($"{count} device(s) of {me} ({toBind.Count} newly bound) wrote {lines.Count} signed readings to {output}");
        return 0;
    }

    public static int Build(IReadOnlyList<string> inputs, string output)
    {
        var records = new List<(DataRecord, DeviceDomain?)>();
        foreach (var f in inputs)
        {
            if (!File.Exists(f)) throw new FileNotFoundException($"records file {f} not found", f);
            records.AddRange(ProvenanceInput.Read(f));
        }
        var dataset = DatasetFile.Build(records);
        File.WriteAllText(output, dataset.ToJson() + "\n");
        Console.WriteLine($"dataset 0x{dataset.Id}: {dataset.Records.Count} records, root 0x{dataset.Root}");
        foreach (var x in dataset.Contributors)
            Console.WriteLine($"  {x.Contributor}  {x.Records} records  {x.Bps} bps");
        return 0;
    }

    public static async Task<int> RegisterDatasetAsync(NetworkConfig c, string file, decimal bondTokens)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"dataset file {file} not found", file);
        var dataset = DatasetFile.Load(file);
        var bond = TokenAmount.FromDecimal(bondTokens, "--bond");
        var net = await NetworkConnection.OpenAsync(c);
        var v = net.Contracts;
        var me = net.Account;
        await CheckDomainAsync(v, dataset, file);
        if (await v.DatasetExistsAsync(dataset.Id)) throw new ArgumentException($"dataset 0x{dataset.Id} is already registered");
        foreach (var r in dataset.Records.Where(r => r.IsDevice).DistinctBy(r => (r.Device, r.Contributor)))
            if (await v.FirstBoundAtAsync(r.Device, r.Contributor) == 0)
                throw new ArgumentException($"unknown device {r.Device}: it was never bound to its records' owner {r.Contributor} (run `verity device register`)");
        var minBond = await v.Chain.QueryAsync<Verity.Chain.Generated.DatasetRegistry.MinBondFunction, BigInteger>(v.Deployment.Datasets, new());
        if (bond < minBond) throw new ArgumentException($"--bond {bondTokens} is below the registry's minimum of {TokenAmount.Short(minBond)} tokens");
        var balance = await v.BalanceOfAsync(me);
        if (balance < bond) throw new ArgumentException($"{me} holds {TokenAmount.Short(balance)} tokens, less than the bond of {bondTokens}");
        await v.RegisterDatasetAsync(me, dataset, bond);
        Console.WriteLine($"dataset 0x{dataset.Id} registered by {me}: {dataset.Records.Count} records, {dataset.Contributors.Count} contributors, bond {bondTokens}");
        return 0;
    }

    public static async Task<int> ChallengeAsync(NetworkConfig c, string idText, string file, int index, bool force)
    {
        var id = ParseId(idText, "dataset id");
        if (!File.Exists(file)) throw new FileNotFoundException($"dataset file {file} not found", file);
        var dataset = DatasetFile.Load(file);
        if (dataset.Id != id) throw new ArgumentException($"dataset file {file} holds dataset 0x{dataset.Id}, not {idText}");
        if (index < 0 || index >= dataset.Records.Count)
            throw new ArgumentException($"--record {index} is out of range: the dataset has {dataset.Records.Count} records (0 to {dataset.Records.Count - 1})");
        var r = dataset.Records[index];
        if (!r.IsDevice) throw new ArgumentException($"record {index} has no device: only device records can be challenged on-chain");
        var net = await NetworkConnection.OpenAsync(c);
        var v = net.Contracts;
        if (!await v.DatasetExistsAsync(id)) throw new ArgumentException($"dataset {idText} is not registered");
        var stored = await v.DatasetAsync(id);
        if (stored.Invalid) throw new ArgumentException($"dataset {idText} was already invalidated");
        if (stored.RecordsRoot != dataset.Root) throw new ArgumentException($"dataset file {file} does not match the registered root 0x{stored.RecordsRoot}");
        var domain = await v.DeviceDomainAsync();
        var since = await v.FirstBoundAtAsync(r.Device, r.Contributor);
        var registeredAt = (ulong)(await v.Chain.CallAsync<Verity.Chain.Generated.DatasetRegistry.GetFunction, Verity.Chain.Generated.DatasetRegistry.GetOutput>(
            v.Deployment.Datasets, new() { Id = id.ToArray() })).ReturnValue1.RegisteredAt;
        var bond = await v.ChallengeBondAsync();
        if (r.SignatureValid(domain) && since != 0 && since <= registeredAt && !force)
            throw new ArgumentException($"record {index} looks sound (its signature verifies and device {r.Device} was bound to {r.Contributor}): " +
                $"a challenge would fail and cost {TokenAmount.Short(bond)} tokens; pass --force to send it anyway");
        var (fault, _) = await v.ChallengeDatasetAsync(net.Account, dataset, index);
        Console.WriteLine(fault == RecordFault.None
            ? $"challenge failed: record {index} is sound; {TokenAmount.Short(bond)} tokens went to the dataset's owner"
            : $"dataset {idText} invalidated ({fault}); its bond was slashed and part of it paid to {net.Account}");
        return 0;
    }

    /// <summary>A device dataset must have been signed for the connected deployment's registry on this chain.</summary>
    private static async Task CheckDomainAsync(VerityContracts v, DatasetFile dataset, string file)
    {
        if (dataset.Domain is not { } signed) return;
        var here = await v.DeviceDomainAsync();
        if (signed != here)
            throw new ArgumentException($"dataset file {file} holds readings signed for chain {signed.ChainId} registry {signed.Registry}; " +
                $"this deployment is chain {here.ChainId} registry {here.Registry}");
    }

    /// <summary>Parses a 0x-prefixed 32-byte id, naming <paramref name="what"/> on error.</summary>
    public static Hash256 ParseId(string text, string what)
    {
        try
        {
            return Hash256.Parse(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new ArgumentException($"{what} must be 32 bytes of hex, got \"{text}\"");
        }
    }
}
