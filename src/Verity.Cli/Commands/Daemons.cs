using System.CommandLine;
using System.Numerics;
using Verity.Chain;
using Verity.Cli.Models;
using Verity.Cli.Network;
using Verity.Commitments;
using Verity.Node;
using Verity.Node.Content;

namespace Verity.Cli.Commands;

/// <summary>`verity worker` and `verity validator`: the network's daemons as processes (docs/NODE.md), configured by
/// a file plus flags, stopped by Ctrl-C or SIGTERM (System.CommandLine cancels the action; the store is transactional: a restart resumes).</summary>
public static class Daemons
{
    public static Command Worker(NetworkOptions net)
    {
        var cmd = net.AddDaemonTo(new Command("worker", "Stake, serve models, execute the jobs drawn to this account, post results, answer audits and disputes"));
        cmd.SetAction(async (p, ct) => await Cli.RunAsync(() => RunWorkerAsync(net.Read(p), ct)));
        return cmd;
    }

    public static Command Validator(NetworkOptions net)
    {
        var audited = new Option<bool>("--audited-only") { Description = "Re-execute only the results this account is drawn to audit" };
        var cmd = net.AddDaemonTo(new Command("validator", "Re-execute posted results, confirm audits, challenge wrong results and play the dispute game")) ;
        cmd.Options.Add(audited);
        cmd.SetAction(async (p, ct) => await Cli.RunAsync(() => RunValidatorAsync(net.Read(p), p.GetValue(audited), ct)));
        return cmd;
    }

    public static async Task<int> RunWorkerAsync(NetworkConfig c, CancellationToken ct)
    {
        var cheat = c.Cheat is null ? (CheatStrategy?)null : Execution.Parse(c.Cheat);
        if (c.MaxBatch < 1) throw new ArgumentException($"max_batch must be at least 1, got {c.MaxBatch}");
        var store = c.Store ?? throw new ArgumentException("the worker needs a store: --store <file.db> or \"store\" in the config");
        var inputs = InputsOf(c);
        var withdrawAt = WithdrawAtOf(c);
        var net = await NetworkConnection.OpenAsync(c);
        var me = net.Account;
        var models = await ServedModels.LoadAsync(c.Models, c.Artifacts, net.Contracts, new ModelStore(ModelFiles.Default(), Log), Log, ct);
        await JoinAsync(net.Contracts, me, models.Keys, c.Stake, Log, ct);
        using var workerStore = new NodeStore(store);
        using var auditStore = new NodeStore(store + ".audits");
        var worker = new WorkerDaemon(net.Contracts, me, models, workerStore, new WorkerOptions
        {
            Confirmations = c.Confirmations, StartBlock = net.Deployment.Block, MaxBatch = c.MaxBatch,
            PollInterval = TimeSpan.FromMilliseconds(c.PollMs), Inputs = inputs, WithdrawAt = withdrawAt,
        }, Log, new Execution(cheat));
        // The auditor of a result is drawn among the model's servers: a worker answers the audits it is drawn to (its
        // audit rewards are withdrawn by the worker daemon, one sender of withdrawals per account).
        var auditor = new ValidatorDaemon(net.Contracts, me, models, auditStore, new ValidatorOptions
        {
            Confirmations = c.Confirmations, StartBlock = net.Deployment.Block, AuditedOnly = true,
            PollInterval = TimeSpan.FromMilliseconds(c.PollMs), Inputs = inputs,
        }, Log);
        Log($"worker {me} serving {models.Count} model(s){(cheat is { } s ? $", CHEATING with {Execution.Name(s)}" : "")}; store {store}");
        await Task.WhenAll(worker.RunAsync(ct), auditor.RunAsync(ct));
        Log("worker stopped");
        return 0;
    }

    public static async Task<int> RunValidatorAsync(NetworkConfig c, bool auditedOnly, CancellationToken ct)
    {
        var store = c.Store ?? throw new ArgumentException("the validator needs a store: --store <file.db> or \"store\" in the config");
        var inputs = InputsOf(c);
        var withdrawAt = WithdrawAtOf(c);
        var net = await NetworkConnection.OpenAsync(c);
        var me = net.Account;
        var models = await ServedModels.LoadAsync(c.Models, c.Artifacts, net.Contracts, new ModelStore(ModelFiles.Default(), Log), Log, ct);
        using var nodeStore = new NodeStore(store);
        var validator = new ValidatorDaemon(net.Contracts, me, models, nodeStore, new ValidatorOptions
        {
            Confirmations = c.Confirmations, StartBlock = net.Deployment.Block, AuditedOnly = auditedOnly,
            PollInterval = TimeSpan.FromMilliseconds(c.PollMs), Inputs = inputs, WithdrawAt = withdrawAt,
        }, Log);
        Log($"validator {me} checking {models.Count} model(s); store {store}");
        await validator.RunAsync(ct);
        Log("validator stopped");
        return 0;
    }

    /// <summary>Stakes up to <paramref name="stake"/> tokens (when given) and serves each model not served yet.</summary>
    public static async Task JoinAsync(VerityContracts v, Address me, IEnumerable<Hash256> models, decimal? stake, Action<string> log, CancellationToken ct)
    {
        if (stake is { } want)
        {
            if (want <= 0) throw new ArgumentException($"stake must be positive, got {want}");
            var target = TokenAmount.FromDecimal(want, "stake");
            var have = await v.StakeOfAsync(me);
            if (have < target)
            {
                var balance = await v.BalanceOfAsync(me);
                if (balance < target - have)
                    throw new ArgumentException($"{me} holds {TokenAmount.Short(balance)} tokens; staking up to {want} needs {TokenAmount.Short(target - have)} more");
                await v.StakeAsync(me, target - have);
                log($"staked {TokenAmount.Short(target - have)} tokens (now {TokenAmount.Short(target)})");
            }
        }
        var serving = (await v.ModelsOfAsync(me)).ToHashSet();
        foreach (var id in models.Where(m => !serving.Contains(m)))
        {
            ct.ThrowIfCancellationRequested();
            await v.ServeAsync(me, id);
            log($"serving model {id}");
        }
    }

    private static BigInteger WithdrawAtOf(NetworkConfig c) => TokenAmount.FromDecimal(c.WithdrawAt, "withdraw_at");

    /// <summary>The configured sources of inputs served off-chain.</summary>
    public static InputSource InputsOf(NetworkConfig c, Action<string>? log = null) => new([.. c.Inputs.Select(i => new ContentSource(i))], log ?? Log);

    private static void Log(string message) => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {message}");
}
