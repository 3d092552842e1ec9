using System.Numerics;
using Verity.Chain.Provenance;
using Verity.Cli;
using Verity.Cli.Commands;
using Verity.Cli.Network;
using Verity.Commitments;

namespace Verity.Chain.Tests.Provenance;

/// <summary>The provenance commands, called in-process against the fixture's anvil: the whole path through the CLI,
/// and bad input that must fail with exit code 2 before any transaction is sent.</summary>
public sealed class CliProvenanceTests(ProvenanceFixture fx) : IClassFixture<ProvenanceFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-prov-").FullName;
    private VerityContracts V => fx.V;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string F(string name) => Path.Combine(_dir, name);

    private NetworkConfig As(Address account)
    {
        var deployment = F("deployment.json");
        if (!File.Exists(deployment)) new DeploymentFile(V.Deployment, AnvilNode.ChainId, 0).Write(deployment);
        return new NetworkConfig { Rpc = fx.Node.RpcUrl, Deployment = deployment, Account = account.Hex };
    }

    /// <summary>Asserts that <paramref name="command"/> fails as bad input with a message containing
    /// <paramref name="expected"/>, and that no transaction was sent (no block mined).</summary>
    private async Task BadInputAsync(Func<Task<int>> command, string expected)
    {
        var block = await fx.Node.BlockNumberAsync();
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        int code;
        try
        {
            code = await Verity.Cli.Cli.RunAsync(command);
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.Equal(Verity.Cli.Cli.BadInput, code);
        Assert.StartsWith("error: ", error.ToString());
        Assert.True(error.ToString().Contains(expected, StringComparison.Ordinal), $"expected \"{expected}\" in: {error}");
        Assert.Equal(block, await fx.Node.BlockNumberAsync());
    }

    [Fact]
    public async Task Simulated_fleets_become_a_dataset_a_model_cites_and_a_contributor_claims_its_exact_royalty()
    {
        await fx.ResetAsync();
        var (a, b) = (fx.DeviceOwners[0], fx.DeviceOwners[1]);
        Assert.Equal(0, await ProvenanceCommands.SimulateAsync(As(a), 3, 4, "cli-a", F("a.jsonl")));
        Assert.Equal(0, await ProvenanceCommands.SimulateAsync(As(b), 2, 5, "cli-b", F("b.jsonl")));
        Assert.Equal(a, await V.DeviceOwnerAsync(DeviceKey.FromSeed("cli-a", 2).Address));
        Assert.Equal(0, ProvenanceCommands.Build([F("a.jsonl"), F("b.jsonl")], F("dataset.json")));
        var dataset = DatasetFile.Load(F("dataset.json"));
        Assert.Equal(0, await ProvenanceCommands.RegisterDatasetAsync(As(fx.Builder), F("dataset.json"), 10m));
        Assert.Equal(dataset.Root, (await V.DatasetAsync(dataset.Id)).RecordsRoot);

        var model = Hash256.Of("model: cli"u8);
        Assert.Equal(0, await LineageCommands.RegisterModelAsync(As(fx.ModelOwner), model, Hash256.Of("weights"u8), null,
            [$"0x{dataset.Id}:2500"], 3m, 1000, ProvenanceFixture.ModelClass));
        foreach (var w in fx.Workers) await V.ServeAsync(w, model);
        var fee = 3 * ProvenanceFixture.T;
        for (var n = 0; n < 2; n++) await PaidJobAsync(model, n, fee);

        // Expected by hand: 12 records of a and 10 of b give a 5455 bps and b 4545 (largest remainder).
        var pot = 2 * (fee * 3500 / 10_000);
        var datasetCut = pot * 2500 / 3500;
        var first = string.CompareOrdinal(a.Hex, b.Hex) < 0 ? a : b;
        var bpsOf = new Dictionary<Address, int> { [a] = 5455, [b] = 4545 };
        var second = first == a ? b : a;
        var expected = new Dictionary<Address, BigInteger> { [second] = datasetCut * bpsOf[second] / 10_000 };
        expected[first] = datasetCut - expected[second];

        var before = await V.BalanceOfAsync(a);
        Assert.Equal(0, await LineageCommands.ClaimAsync(As(a)));
        Assert.Equal(before + expected[a], await V.BalanceOfAsync(a));
        var report = await Royalties.ReportAsync(V, b);
        var earned = Assert.Single(report.Datasets);
        Assert.Equal((dataset.Id, (ushort)4545, expected[b], model), (earned.Dataset, earned.Bps, earned.Amount, Assert.Single(earned.ViaModels)));
        Assert.Equal(expected[b], report.Claimable);
        Assert.Equal(0, await LineageCommands.ReportAsync(As(b), null));
        await fx.AssertBooksExactAsync();

        // Challenging an honest record is refused unless forced; forced, it costs the challenger its bond.
        await BadInputAsync(() => ProvenanceCommands.ChallengeAsync(As(fx.Challenger), "0x" + dataset.Id, F("dataset.json"), 0, force: false), "looks sound");
        var challengerBefore = await V.BalanceOfAsync(fx.Challenger);
        Assert.Equal(0, await ProvenanceCommands.ChallengeAsync(As(fx.Challenger), "0x" + dataset.Id, F("dataset.json"), 0, force: true));
        Assert.Equal(challengerBefore - await V.ChallengeBondAsync(), await V.BalanceOfAsync(fx.Challenger));
        await BadInputAsync(() => LineageCommands.ClaimAsync(As(fx.Stranger)), "nothing to claim");
    }

    private async Task PaidJobAsync(Hash256 model, int n, BigInteger fee)
    {
        var input = System.Text.Encoding.UTF8.GetBytes($"cli job {n}");
        var (job, _) = await V.RequestJobAsync(fx.Requester, model, input, fee);
        await fx.Node.MineAsync(2);
        var result = new JobResult(job, Hash256.Of(input).ToArray(), Hash256.Of(input));
        await V.SubmitResultAsync(await V.DrawnWorkerAsync(job), result);
        for (var i = 0; i < 3 && (await V.JobAsync(job)).Status != JobStatus.Finalized; i++)
        {
            var j = await V.JobAsync(job);
            var now = await fx.Node.TimestampAsync();
            if (j.Deadline >= now) await fx.Node.AdvanceAsync(TimeSpan.FromSeconds(j.Deadline - now + 1));
            await V.FinalizeAsync(fx.Stranger, result, TensorCommitment.Root(input), withOutput: false);
        }
        Assert.Equal(JobStatus.Finalized, (await V.JobAsync(job)).Status);
    }

    [Fact]
    public async Task Malformed_or_duplicate_records_are_refused_by_the_build()
    {
        await fx.ResetAsync();
        File.WriteAllLines(F("bad.jsonl"), ["{\"contributor\":\"0x01\",\"payload\":\"x\"}"]);
        await BadInputAsync(() => Task.FromResult(ProvenanceCommands.Build([F("bad.jsonl")], F("out.json"))), "\"contributor\" is not an address: 0x01");
        File.WriteAllLines(F("notjson.jsonl"), ["{\"device\": oops"]);
        await BadInputAsync(() => Task.FromResult(ProvenanceCommands.Build([F("notjson.jsonl")], F("out.json"))), "notjson.jsonl:1: not JSON");
        var line = ProvenanceInput.ReadingLine(fx.Readings(0, 1).Single(), fx.Domain);
        File.WriteAllLines(F("dup.jsonl"), [line, line]);
        await BadInputAsync(() => Task.FromResult(ProvenanceCommands.Build([F("dup.jsonl")], F("out.json"))), "appears 2 times");
        Assert.False(File.Exists(F("out.json")));
    }

    [Fact]
    public async Task An_unknown_device_or_shares_that_do_not_sum_leave_nothing_registered()
    {
        await fx.ResetAsync();
        var stray = DeviceKey.FromSeed("never bound", 0);
        var lines = Enumerable.Range(1, 3).Select(s => ProvenanceInput.ReadingLine(
            stray.SignReading(fx.Domain, fx.Stranger, (ulong)s, (ulong)(1000 + s), [(byte)s]), fx.Domain));
        File.WriteAllLines(F("stray.jsonl"), lines);
        Assert.Equal(0, ProvenanceCommands.Build([F("stray.jsonl")], F("stray.json")));
        var id = DatasetFile.Load(F("stray.json")).Id;
        await BadInputAsync(() => ProvenanceCommands.RegisterDatasetAsync(As(fx.Builder), F("stray.json"), 10m), $"unknown device {stray.Address}");
        Assert.False(await V.DatasetExistsAsync(id));

        File.WriteAllLines(F("fleet.jsonl"), fx.Readings(0, 2).Concat(fx.Readings(2, 2)).Select(r => ProvenanceInput.ReadingLine(r, fx.Domain)));
        Assert.Equal(0, ProvenanceCommands.Build([F("fleet.jsonl")], F("fleet.json")));
        var text = File.ReadAllText(F("fleet.json"));
        var at = text.IndexOf("\"bps\": 5000", StringComparison.Ordinal); // the first of two equal shares
        File.WriteAllText(F("greedy.json"), text[..at] + "\"bps\": 6000" + text[(at + "\"bps\": 5000".Length)..]);
        await BadInputAsync(() => ProvenanceCommands.RegisterDatasetAsync(As(fx.Builder), F("greedy.json"), 10m), "shares sum to 11000 bps");
        await BadInputAsync(() => ProvenanceCommands.RegisterDatasetAsync(As(fx.Builder), F("fleet.json"), 1m), "below the registry's minimum");
        Assert.False(await V.DatasetExistsAsync(DatasetFile.Load(F("fleet.json")).Id));
    }

    [Fact]
    public async Task A_model_with_an_unknown_dataset_too_many_datasets_or_too_high_shares_is_refused_before_sending()
    {
        await fx.ResetAsync();
        var model = Hash256.Of("model: refused"u8);
        Task<int> Register(params string[] datasets) =>
            LineageCommands.RegisterModelAsync(As(fx.ModelOwner), model, model, null, datasets, 1m, 1000, 1);
        var unknown = Hash256.Of("no such dataset"u8);
        await BadInputAsync(() => Register($"0x{unknown}:100"), $"unknown dataset 0x{unknown}");
        await BadInputAsync(() => Register(Enumerable.Range(0, 9).Select(i => $"0x{Hash256.Of([(byte)i])}:10").ToArray()), "at most 8");
        await BadInputAsync(() => Register($"0x{unknown}:3000", $"0x{model}:2001"), "sum to 5001 bps; at most 5000");
        await BadInputAsync(() => Register($"0x{unknown}:0"), "the share must be 1 to 5000");
        await BadInputAsync(() => Register("nonsense"), "must be id:bps");
        await BadInputAsync(() => LineageCommands.RegisterModelAsync(As(fx.ModelOwner), model, model, "0x" + unknown, [], 1m, 1000, 1), "unknown parent model");
        Assert.Null(await V.ModelAsync(model));
    }
    [Fact]
    public async Task Device_register_binds_a_key_once_and_refuses_bad_keys()
    {
        await fx.ResetAsync();
        var key = DeviceKey.FromSeed("cli register", 0);
        File.WriteAllText(F("device.key"), key.PrivateKeyHex + "\n");
        Assert.Equal(0, await ProvenanceCommands.RegisterDeviceAsync(As(fx.Stranger), F("device.key")));
        Assert.Equal(fx.Stranger, await V.DeviceOwnerAsync(key.Address));
        await BadInputAsync(() => ProvenanceCommands.RegisterDeviceAsync(As(fx.Challenger), F("device.key")), $"device {key.Address} is already bound to {fx.Stranger}");
        File.WriteAllText(F("short.key"), "0x1234");
        await BadInputAsync(() => ProvenanceCommands.RegisterDeviceAsync(As(fx.Stranger), F("short.key")), "a device key is 32 bytes of hex");
        await BadInputAsync(() => ProvenanceCommands.RegisterDeviceAsync(As(fx.Stranger), F("missing.key")), "not found");
    }

    /// <summary>Runs the real verity program (built next to the tests) against the fixture's chain.</summary>
    private (int Code, string Out, string Err) Program(Address account, params string[] args)
    {
        As(account); // writes the deployment file
        return Run([.. args, "--rpc", fx.Node.RpcUrl.ToString(), "--deployment", F("deployment.json"), "--account", account.Hex]);
    }

    [Fact]
    public async Task The_program_wires_the_commands_flags_and_exit_codes()
    {
        await fx.ResetAsync();
        var owner = fx.DeviceOwners[2];
        var sim = Program(owner, "device", "simulate", "--count", "2", "--readings", "3", "--seed", "program", "-o", F("p.jsonl"));
        Assert.True(sim.Code == 0, sim.Err);
        Assert.Contains("wrote 6 signed readings", sim.Out);
        var build = Run("data", "build", F("p.jsonl"), "-o", F("p.json"));
        Assert.True(build.Code == 0, build.Err);
        var reg = Program(fx.Builder, "data", "register", F("p.json"), "--bond", "12.5");
        Assert.True(reg.Code == 0, reg.Err);
        var dataset = DatasetFile.Load(F("p.json"));
        Assert.Equal(ProvenanceFixture.T * 25 / 2, (await V.DatasetAsync(dataset.Id)).Bond);
        var model = Program(fx.ModelOwner, "model", "register", "--model", "minilm", "--dataset", $"0x{dataset.Id}:2000", "--fee", "1");
        Assert.True(model.Code == 0, model.Err);
        var minilm = new Verity.Cli.Models.ModelStore(Verity.Cli.Models.ModelFiles.Default(), _ => { }).Load("minilm").Id;
        var cited = (await V.Chain.CallAsync<Verity.Chain.Generated.ModelRegistry.DatasetsOfFunction, Verity.Chain.Generated.ModelRegistry.DatasetsOfOutput>(
            V.Deployment.Models, new() { Id = minilm.ToArray() })).ReturnValue1;
        Assert.Equal([(dataset.Id, 2000)], cited.Select(d => (new Hash256(d.DatasetId), (int)d.Bps)));
        var shape = await V.Chain.CallAsync<Verity.Chain.Generated.DisputeGame.ShapeOfFunction, Verity.Chain.Generated.DisputeGame.ShapeOfOutput>(
            V.Deployment.DisputeGame, new() { Arg1 = minilm.ToArray() });
        Assert.True(shape.OpCount > 0); // the model can be disputed
        var report = Program(owner, "royalties");
        Assert.True(report.Code == 0, report.Err);
        Assert.Contains($"dataset 0x{dataset.Id}  10000 bps  earned 0", report.Out);
        var bad = Program(fx.Builder, "data", "register", F("p.json"), "--bond", "-1");
        Assert.Equal((2, ""), (bad.Code, bad.Out));
        Assert.StartsWith("error: --bond must not be negative", bad.Err);
        var gone = Program(fx.Challenger, "data", "challenge", "0x" + dataset.Id, "--record", "6", "--dataset", F("p.json"));
        Assert.Equal(2, gone.Code);
        Assert.Contains("--record 6 is out of range", gone.Err);
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "verity.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr);
    }
}
