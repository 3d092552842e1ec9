using System.CommandLine;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Verity.Chain;
using Verity.Cli.Models;
using Verity.Cli.Network;
using Verity.Client;
using Verity.Commitments;
using Verity.Gateway;

namespace Verity.Cli.Commands;

/// <summary>The requester's commands over the network (issue 4, item 3): <c>verity infer</c> without <c>--local</c>,
/// <c>verity verify</c>, <c>verity jobs</c>; each is also callable in-process with a <see cref="NetworkConfig"/>.</summary>
public static class Requester
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary><c>verity infer</c>: <c>--local</c> runs the engine here; otherwise the job goes through the chain.</summary>
    public static Command Infer(NetworkOptions net)
    {
        var model = new Option<string>("--model") { Description = "Model name (minilm, resnet18), .vmodel file, or model id", Required = true };
        var text = new Option<string?>("--text") { Description = "Input text (text models)" };
        var image = new Option<string?>("--image") { Description = "Input image file (image models)" };
        var local = new Option<bool>("--local") { Description = "Run the engine on this machine instead of requesting a job" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var threads = new Option<int>("--threads") { Description = "Worker threads for the engine (--local)", DefaultValueFactory = _ => 1 };
        var wait = new Option<string>("--wait") { Description = "Return once the result is 'posted' or 'finalized'", DefaultValueFactory = _ => "finalized" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the result", DefaultValueFactory = _ => 300 };
        var maxFee = new Option<string?>("--max-fee") { Description = "Most VRT to pay (default: the model's current fee)" };
        var serve = new Option<string?>("--serve-input") { Description = "Serve the input off-chain from this folder (written there as <input root>.input; only the root goes on chain)" };
        var cmd = net.AddTo(new Command("infer", "Run an inference — on the network (default) or locally — and print the output with its receipt")
            { model, text, image, local, json, threads, wait, timeout, maxFee, serve });
        cmd.SetAction(async (p, ct) => await Run(async () =>
        {
            if (p.GetValue(text) is null == p.GetValue(image) is null) throw new ArgumentException("pass exactly one of --text or --image");
            var store = new ModelStore(ModelFiles.Default(), Console.Error.WriteLine);
            if (p.GetValue(local))
            {
                var r = Commands.Infer.Run(store.Load(p.GetValue(model)!), p.GetValue(text), p.GetValue(image), p.GetValue(threads));
                Commands.Infer.Print(r, p.GetValue(json), Console.Out);
                return 0;
            }
            return await InferAsync(net.Read(p), Resolve(store, p.GetValue(model)!), p.GetValue(text), p.GetValue(image), ParseWait(p.GetValue(wait)!),
                TimeSpan.FromSeconds(p.GetValue(timeout)), p.GetValue(maxFee) is { } f ? KeysFile.ParseTokens(f) : null, p.GetValue(json), Console.Out, ct,
                p.GetValue(serve) is { } folder ? Path.GetFullPath(folder) : null);
        }));
        return cmd;
    }

    public static Command Verify(NetworkOptions net)
    {
        var job = new Argument<string>("job-id") { Description = "The job to re-execute" };
        var model = new Option<string?>("--model") { Description = "Model name or .vmodel file (default: the shipped model with the job's id)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var cmd = net.AddTo(new Command("verify", "Re-execute a job locally and say whether its posted result is right (exit 0 right, 1 wrong, 2 error)") { job, model, json });
        cmd.Options.Add(net.Inputs);
        cmd.SetAction(async (p, ct) => await Run(() =>
            VerifyAsync(net.Read(p), ParseJob(p.GetValue(job)!), p.GetValue(model), p.GetValue(json), Console.Out)));
        return cmd;
    }

    public static Command Jobs(NetworkOptions net)
    {
        var model = new Option<string?>("--model") { Description = "Only this model (shipped name or model id)" };
        var status = new Option<string?>("--status") { Description = "Only this status: requested, assigned, committed, challenged, finalized, refunded" };
        var limit = new Option<int>("--limit") { Description = "Most jobs to list, newest first", DefaultValueFactory = _ => 20 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var cmd = net.AddTo(new Command("jobs", "List the market's jobs with their status, newest first") { model, status, limit, json });
        cmd.SetAction(async (p, ct) => await Run(() =>
            JobsAsync(net.Read(p), p.GetValue(model), p.GetValue(status), p.GetValue(limit), p.GetValue(json), Console.Out)));
        return cmd;
    }

    /// <summary>Requests one job for a text or image, waits, prints the output (first values and length) and the receipt.</summary>
    public static async Task<int> InferAsync(NetworkConfig config, LoadedModel m, string? text, string? image, WaitFor wait, TimeSpan timeout,
        BigInteger? maxFee, bool json, TextWriter o, CancellationToken ct = default, string? serveFolder = null)
    {
        var client = await ClientAsync(config, sends: true);
        var input = Commands.Infer.Encode(m, text, image).Bytes.ToArray(); // the same canonical input as --local
        var fee = maxFee ?? await client.FeeOfAsync(m.Id);
        var submitted = serveFolder is null ? await client.SubmitAsync(m.Id, input, fee, ct) : await client.SubmitServedAsync(m.Id, input, fee, serveFolder, ct);
        var receipt = await client.WaitAsync(submitted.Job, wait, timeout, ct);
        if (receipt.Output is null)
            throw new InvalidOperationException($"job {receipt.Job} ended {receipt.StatusName} without a result");
        var vector = GatewayModels.DecodeOutput(m, receipt.Output);
        if (json)
        {
            var r = receipt.ToJson(withOutput: false);
            o.WriteLine(new JsonObject
            {
                ["model"] = m.Model.Name, ["job_id"] = receipt.Job.ToString(), ["status"] = receipt.StatusName,
                ["output"] = new JsonArray([.. vector.Select(x => (JsonNode)Math.Round(x, 7))]), ["receipt"] = r,
            }.ToJsonString());
            return 0;
        }
        o.WriteLine($"model         {m.Model.Name}");
        o.WriteLine($"output        [{string.Join(", ", vector.Take(8).Select(x => x.ToString("F5", CultureInfo.InvariantCulture)))}, …] ({vector.Length} values)");
        PrintReceipt(receipt, o);
        return 0;
    }

    /// <summary>Re-executes the job; prints the verdict. 0 right, 1 wrong.</summary>
    public static async Task<int> VerifyAsync(NetworkConfig config, JobId job, string? model, bool json, TextWriter o)
    {
        var client = await ClientAsync(config, sends: false);
        var j = await client.Contracts.JobAsync(job);
        if (j.Status == JobStatus.None)
            throw new ArgumentException($"no job {job} on this market");
        var store = new ModelStore(ModelFiles.Default(), Console.Error.WriteLine);
        var m = model is null ? Resolve(store, j.ModelId.ToString()) : store.Load(model);
        var v = await client.VerifyAsync(job, m.Model, m.Id, inputs: Daemons.InputsOf(config, Console.Error.WriteLine));
        if (json)
            o.WriteLine(new JsonObject
            {
                ["job_id"] = job.ToString(), ["right"] = v.Right, ["commitment_matches"] = v.CommitmentMatches,
                ["posted_output_sha256"] = v.PostedOutputHash.ToString(), ["local_output_sha256"] = v.LocalOutputHash.ToString(),
                ["posted_trace_root"] = v.PostedTraceRoot.ToString(), ["local_trace_root"] = v.LocalTraceRoot.ToString(),
            }.ToJsonString());
        else
        {
            o.WriteLine($"job           {job} ({m.Model.Name}, {j.Status.ToString().ToLowerInvariant()})");
            o.WriteLine($"output sha256 posted {v.PostedOutputHash}  local {v.LocalOutputHash}  {(v.PostedOutputHash == v.LocalOutputHash ? "same" : "DIFFERENT")}");
            o.WriteLine($"trace root    posted {v.PostedTraceRoot}  local {v.LocalTraceRoot}  {(v.PostedTraceRoot == v.LocalTraceRoot ? "same" : "DIFFERENT")}");
            if (!v.CommitmentMatches) o.WriteLine("commitment    the result event does not match the market's commitment");
            o.WriteLine(v.Right ? "verdict       RIGHT: the posted result is what the model computes" : "verdict       WRONG: the posted result is not what the model computes");
        }
        return v.Right ? 0 : 1;
    }

    public static async Task<int> JobsAsync(NetworkConfig config, string? model, string? status, int limit, bool json, TextWriter o)
    {
        var client = await ClientAsync(config, sends: false);
        JobStatus? st = status is null ? null
            : Enum.TryParse<JobStatus>(status, ignoreCase: true, out var s) && s != JobStatus.None ? s
            : throw new ArgumentException($"unknown status '{status}': expected requested, assigned, committed, challenged, finalized or refunded");
        var store = new ModelStore(ModelFiles.Default(), Console.Error.WriteLine);
        Hash256? id = model is null ? null : TryParseId(model) ?? store.Load(model).Id;
        var jobs = await client.JobsAsync(new JobFilter(id, st, Limit: limit));
        if (json)
        {
            o.WriteLine(new JsonObject
            {
                ["jobs"] = new JsonArray([.. jobs.Select(j => (JsonNode)new JsonObject
                {
                    ["job_id"] = j.Id.ToString(), ["model_id"] = j.ModelId.ToString(), ["status"] = j.Status.ToString().ToLowerInvariant(),
                    ["requester"] = j.Requester.ToString(), ["worker"] = j.Worker.IsZero ? null : j.Worker.ToString(), ["fee"] = j.Fee.ToString(),
                })]),
            }.ToJsonString());
            return 0;
        }
        o.WriteLine($"{"job",6}  {"status",-10}  {"model",-16}  {"worker",-42}  fee (VRT)");
        foreach (var j in jobs)
            o.WriteLine($"{j.Id,6}  {j.Status.ToString().ToLowerInvariant(),-10}  {j.ModelId.ToString()[..16],-16}  {(j.Worker.IsZero ? "-" : j.Worker.ToString()),-42}  {TokenAmount.Short(j.Fee)}");
        o.WriteLine($"{jobs.Count} job(s)");
        return 0;
    }

    public static void PrintReceipt(Receipt r, TextWriter o)
    {
        o.WriteLine($"job           {r.Job} ({r.StatusName})");
        o.WriteLine($"model id      {r.ModelId}");
        o.WriteLine($"output sha256 {r.OutputHash}");
        o.WriteLine($"trace root    {r.TraceRoot}");
        o.WriteLine($"worker        {r.Worker}");
        o.WriteLine($"fee           {TokenAmount.Short(r.Fee)} VRT ({r.Fee} wei)");
        if (r.Split is { } s)
            o.WriteLine($"paid          worker {s.Worker}, owner {s.Owner}, datasets {s.Datasets.Aggregate(BigInteger.Zero, (a, d) => a + d.Amount)}, validator pool {s.ValidatorPool} (wei)");
        else
            o.WriteLine($"paid          not yet: challengeable until {(r.ChallengeDeadline is { } d ? DateTimeOffset.FromUnixTimeSeconds(d).ToString("u", CultureInfo.InvariantCulture) : "-")} (chain time)");
    }

    /// <summary>A shipped name, a .vmodel file, or the id of a shipped model (with or without 0x).</summary>
    public static LoadedModel Resolve(ModelStore store, string nameOrId)
    {
        if (TryParseId(nameOrId) is not { } id)
            return store.Load(nameOrId);
        foreach (var name in ModelStore.ShippedNames)
            if (store.Load(name) is var m && m.Id == id)
                return m;
        throw new ArgumentException($"model {id} is not a shipped model here: pass --model with its name or .vmodel file");
    }

    public static WaitFor ParseWait(string text) => text.ToLowerInvariant() switch
    {
        "posted" => WaitFor.Posted,
        "finalized" => WaitFor.Finalized,
        _ => throw new ArgumentException($"--wait is '{text}': expected 'posted' or 'finalized'"),
    };

    public static JobId ParseJob(string text) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? new JobId(id)
            : throw new ArgumentException($"'{text}' is not a job id (a positive integer)");

    private static Hash256? TryParseId(string text)
    {
        var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        return hex.Length == 64 && hex.All(char.IsAsciiHexDigit) ? Hash256.Parse(hex) : null;
    }

    /// <summary>A client for the configured network; commands that only read need no account.</summary>
    public static async Task<VerityClient> ClientAsync(NetworkConfig config, bool sends)
    {
        var net = await NetworkConnection.OpenAsync(config);
        var me = sends || net.HasAccount ? net.Account : Address.Zero;
        return new VerityClient(net.Contracts, me, new VerityClientOptions { StartBlock = net.Deployment.Block, PollInterval = TimeSpan.FromMilliseconds(Math.Min(config.PollMs, 500)) });
    }

    /// <summary><see cref="Cli.RunAsync"/>, with the network's failures (a revert, a timeout, an unreachable node) as one
    /// <c>error:</c> line and exit code 2 too.</summary>
    public static Task<int> Run(Func<Task<int>> action) => Cli.RunAsync(async () =>
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is TimeoutException or ContractRevertedException or InvalidOperationException or HttpRequestException
                                       or Nethereum.JsonRpc.Client.RpcClientUnknownException or Nethereum.JsonRpc.Client.RpcResponseException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Cli.BadInput;
        }
    });
}
