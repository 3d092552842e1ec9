using System.Numerics;
using Microsoft.Playwright;
using Verity.Chain;
using Verity.Chain.Dispute;
using Verity.Commitments;
using Verity.Engine;
using Verity.Node;
using static Microsoft.Playwright.Assertions;
using Dev = Verity.Chain.Generated.DeviceRegistry;

namespace Verity.Explorer.Tests;

/// <summary>The tests that start anvil, an explorer and Chromium run one at a time (a 2-core machine).</summary>
[CollectionDefinition("browser", DisableParallelization = true)]
public sealed class BrowserCollection;

/// <summary>The explorer's pages in real headless Chromium against a real anvil with the real contracts, the real MiniLM
/// and the real daemons: a job seen live from request to finalization, a dispute's steps down to the slash, a model's
/// lineage graph. Screenshots land in TestResults/screenshots/.</summary>
[Collection("browser")]
public sealed class BrowserTests
{
    private static readonly int[] Sentence = [101, 7592, 2088, 102]; // hello world

    [Fact]
    public async Task The_jobs_page_shows_a_job_go_from_requested_to_committed_to_finalized_without_a_reload()
    {
        await using var w = await ExplorerWorld.StartAsync();
        var page = await w.OpenAsync("index.html");
        await page.EvaluateAsync("() => { window.__sameDocument = 42; }");
        var stores = w.Workers.Select(_ => new NodeStore(w.NewStorePath())).ToArray();
        using var stop = new CancellationTokenSource();
        var daemons = Enumerable.Range(0, 3).Select(i => w.Daemon(i, stores[i]).RunAsync(stop.Token)).ToArray();
        try
        {
            var input = ExplorerWorld.InputBytes(Sentence);
            // No block is mined after the request, so no worker can be drawn yet: the job stays Requested until we mine.
            var (job, _) = await w.V.RequestJobAsync(w.Requester, w.ModelId, input, ExplorerWorld.Fee);
            var status = page.Locator($"#jobs tr[data-job-id='{job}'] td.status");
            await Expect(status).ToHaveTextAsync("Requested");
            await ExplorerWorld.ScreenshotAsync(page, "jobs-1-requested");

            await w.Node.MineAsync(2); // the seed block: the drawn worker's daemon executes and posts
            await Expect(status).ToHaveTextAsync("Committed");
            await ExplorerWorld.ScreenshotAsync(page, "jobs-2-committed");

            await w.FinalizeAsync(job);
            await Expect(status).ToHaveTextAsync("Finalized");
            Assert.Equal(42, await page.EvaluateAsync<int>("() => window.__sameDocument")); // updated in place, never reloaded
            await ExplorerWorld.ScreenshotAsync(page, "jobs-3-finalized");

            // The job's page carries the receipt, equal to a local run of the same model on the same input.
            var local = new Executor(w.M.Model).Run([Execution.Decode(w.M.Model, input)]);
            var view = await w.V.JobAsync(job);
            var jp = await w.OpenAsync($"job.html?id={job}");
            await Expect(jp.Locator("#receipt dd[data-field=status]")).ToHaveTextAsync("Finalized");
            await Expect(jp.Locator("#receipt dd[data-field=jobId]")).ToHaveTextAsync(job.ToString());
            await Expect(jp.Locator("#receipt dd[data-field=modelId]")).ToHaveTextAsync("0x" + w.ModelId);
            await Expect(jp.Locator("#receipt dd[data-field=traceRoot]")).ToHaveTextAsync("0x" + local.TraceRoot);
            await Expect(jp.Locator("#receipt dd[data-field=outputHash]")).ToHaveTextAsync("0x" + Hash256.Of(local.Outputs[0].Bytes));
            await Expect(jp.Locator("#receipt dd[data-field=worker]")).ToHaveTextAsync(view.Worker.Hex);
            var royalty = ExplorerWorld.Fee * 2000 / 10_000;
            var validators = ExplorerWorld.Fee * MarketParams.Default.ValidatorBps / 10_000;
            await Expect(jp.Locator("[data-cut=fee]")).ToHaveTextAsync(Hex.Tokens(ExplorerWorld.Fee));
            await Expect(jp.Locator("[data-cut=royalty]")).ToHaveTextAsync(Hex.Tokens(royalty));
            await Expect(jp.Locator("[data-cut=validators]")).ToHaveTextAsync(Hex.Tokens(validators));
            await Expect(jp.Locator("[data-cut=worker]")).ToHaveTextAsync(Hex.Tokens(ExplorerWorld.Fee - royalty - validators));
            await Expect(jp.Locator("#no-dispute")).ToBeVisibleAsync();
            await ExplorerWorld.ScreenshotAsync(jp, "job-finalized");

            // Workers: the worker that served it has one result, finalized, and its stake.
            var wp = await w.OpenAsync("workers.html");
            var wrow = wp.Locator($"#workers tr[data-worker='{view.Worker.Hex}']");
            await Expect(wrow.Locator("td").Nth(3)).ToHaveTextAsync("1");
            await Expect(wrow.Locator("td").Nth(4)).ToHaveTextAsync("1");
            var stake = (w.Workers.ToList().IndexOf(view.Worker) + 1) * 1000;
            await Expect(wrow.Locator("[data-col=stake]")).ToHaveTextAsync(stake.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Expect(wp.Locator("#workers tbody tr")).ToHaveCountAsync(3);
            await ExplorerWorld.ScreenshotAsync(wp, "workers");

            // Totals: one job requested, finalized, the fee paid, drawn as one bar.
            var tp = await w.OpenAsync("totals.html");
            await Expect(tp.Locator("[data-total=finalized] .v")).ToHaveTextAsync("1");
            await Expect(tp.Locator("[data-total='fees paid (VRT)'] .v")).ToHaveTextAsync(Hex.Tokens(ExplorerWorld.Fee));
            await Expect(tp.Locator("#chart rect.bar[data-jobs='1']")).ToHaveCountAsync(1);
            await ExplorerWorld.ScreenshotAsync(tp, "totals");
        }
        finally
        {
            await ExplorerWorld.StopAsync(stop, daemons);
            foreach (var s in stores)
                s.Dispose();
        }
    }

    [Fact]
    public async Task A_job_page_lists_every_step_of_a_dispute_against_a_cheater_and_the_slash()
    {
        var validatorPath = Path.Combine(Path.GetTempPath(), $"verity-explorer-v-{Guid.NewGuid():N}.db");
        await using var w = await ExplorerWorld.StartAsync([validatorPath]);
        var job = (await w.V.RequestJobAsync(w.Requester, w.ModelId, w.M.InputBytes, ExplorerWorld.Fee)).Job;
        await w.Node.MineAsync(2);
        var cheater = await w.V.DrawnWorkerAsync(job);
        var (cheat, output) = w.M.Cheat(w.M.FindOp(1), 5); // one element of the first Linear's output moved by one
        await w.V.SubmitResultAsync(cheater, new JobResult(job, output, cheat.Root));
        int v = (w.Workers.ToList().IndexOf(cheater) + 1) % 3;
        var stake = await w.V.SlashableOfAsync(cheater);

        using var stop = new CancellationTokenSource();
        using (var store = new NodeStore(validatorPath))
        {
            var validator = w.Validator(v, store).RunAsync(stop.Token);
            var player = PlayWorkerAsync(w, job, cheater, cheat, stop.Token);
            try
            {
                await ExplorerWorld.UntilAsync(async () => (await w.V.JobAsync(job)).Status == JobStatus.Requested, "the cheater slashed", 120);
            }
            finally
            {
                await ExplorerWorld.StopAsync(stop, validator, player);
            }
        }

        var page = await w.OpenAsync($"job.html?id={job}");
        var steps = page.Locator("#dispute li");
        await Expect(page.Locator("#dispute li[data-kind=slash]")).ToHaveCountAsync(1);
        var kinds = await steps.EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.kind)");
        // The game as played: challenge, open, the challenger's root, bisection over ops (both sides), the op found and
        // both op roots, bisection over chunks, the worker's reveal, the one-step, the end, the slash.
        Assert.Equal(["challenge", "open", "commit"], kinds[..3]);
        int ops = Array.IndexOf(kinds, "op found");
        Assert.True(ops > 3 && kinds[3..ops].All(k => k == "bisect") && (ops - 3) % 2 == 0, string.Join(",", kinds));
        Assert.Equal(["op root", "op root"], kinds[(ops + 1)..(ops + 3)]);
        int reveal = Array.IndexOf(kinds, "chunk reveal");
        Assert.True(reveal > ops + 3, string.Join(",", kinds));
        Assert.Equal(["chunk reveal", "one-step", "ended", "slash"], kinds[reveal..]);
        await Expect(page.Locator("#dispute li[data-kind=commit]")).ToHaveAttributeAsync("data-role", "challenger");
        await Expect(page.Locator("#dispute li[data-kind=bisect]").First).ToHaveAttributeAsync("data-role", "worker");
        await Expect(page.Locator("#dispute li[data-kind='chunk reveal']")).ToHaveAttributeAsync("data-role", "worker");
        await Expect(page.Locator("#dispute li[data-kind='op found']")).ToContainTextAsync($"first differing op: {w.M.FindOp(1)}");
        await Expect(page.Locator("#dispute li[data-kind=ended]")).ToContainTextAsync("the worker was wrong");

        var slashed = stake * MarketParams.Default.SlashBps / 10_000;
        var reward = slashed * 5000 / 10_000;
        await Expect(page.Locator("#outcome .outcome")).ToHaveAttributeAsync("data-slashed", slashed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.Locator("#outcome")).ToContainTextAsync($"Worker slashed {Hex.Tokens(slashed)} VRT: {Hex.Tokens(reward)} VRT to {w.Workers[v].Hex}, {Hex.Tokens(slashed - reward)} VRT burned");
        await Expect(page.Locator("#dispute li[data-kind=slash]")).ToContainTextAsync($"worker slashed {Hex.Tokens(slashed)} VRT");
        // The job was reopened for another worker (attempt 2), and the validator's store shows its side.
        await Expect(page.Locator("#receipt dd[data-field=status]")).ToHaveTextAsync("Requested");
        await Expect(page.Locator("#receipt dd[data-field=attempt]")).ToHaveTextAsync("2");
        await Expect(page.Locator("#receipt dd[data-field=traceRoot]")).ToHaveTextAsync("—"); // the cheater's result is void
        await Expect(page.Locator("#events tr[data-event=result]")).ToContainTextAsync("0x" + cheat.Root.ToString()[..16]);
        await Expect(page.Locator("#nodes tr[data-role=validator] [data-col=state]")).ToHaveTextAsync("Challenged");
        await ExplorerWorld.ScreenshotAsync(page, "job-dispute");

        var wp = await w.OpenAsync("workers.html");
        var row = wp.Locator($"#workers tr[data-worker='{cheater.Hex}']");
        await Expect(row.Locator("[data-col=slashes]")).ToHaveTextAsync("1");
        await Expect(row.Locator("[data-col=slashed]")).ToHaveTextAsync(Hex.Tokens(slashed));
        await ExplorerWorld.ScreenshotAsync(wp, "workers-after-slash");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            File.Delete(validatorPath + suffix);
    }

    [Fact]
    public async Task A_model_page_draws_its_lineage_parent_child_two_datasets_and_its_owner_s_device()
    {
        await using var w = await ExplorerWorld.StartAsync();
        var owner = w.ModelOwner;
        var d1 = Hash256.Of("dataset one"u8);
        var d2 = Hash256.Of("dataset two"u8);
        foreach (var d in new[] { d1, d2 })
            await w.V.RegisterDatasetAsync(owner, d, Hash256.Of(d.ToArray()), 1, [(owner, (ushort)10_000)], 10 * ExplorerWorld.T);
        var child = Hash256.Of("fine-tuned child"u8);
        await w.V.RegisterModelAsync(owner, new ModelSpec(child, Hash256.Of("child weights"u8), 1, 1, 1000, ExplorerWorld.Fee, w.ModelId,
            [new DatasetShare(d1, 1500), new DatasetShare(d2, 500)]));
        var deviceKey = new Nethereum.Signer.EthECKey("0x" + Convert.ToHexStringLower(Hash256.Of("device key"u8).ToArray()));
        var device = Address.Parse(deviceKey.GetPublicAddress());
        var digest = await w.Chain.QueryAsync<Dev.BindingDigestFunction, byte[]>(w.V.Deployment.Devices, new() { Owner = owner.Hex });
        var sig = deviceKey.SignAndCalculateV(digest);
        await w.Chain.SendAsync(w.V.Deployment.Devices, new Dev.BindFunction { Device = device.Hex, Signature = [.. sig.R, .. sig.S, .. sig.V] }, owner);

        var page = await w.OpenAsync($"model.html?id=0x{child}");
        var svg = page.Locator("svg#lineage");
        string parentId = "0x" + w.ModelId, childId = "0x" + child, ds1 = "0x" + d1, ds2 = "0x" + d2;
        await Expect(svg.Locator("g.node")).ToHaveCountAsync(5);
        await Expect(svg.Locator($"g.node[data-kind=model][data-id='{parentId}']")).ToHaveCountAsync(1);
        await Expect(svg.Locator($"g.node[data-kind=model][data-id='{childId}']")).ToHaveCountAsync(1);
        await Expect(svg.Locator($"g.node[data-kind=dataset][data-id='{ds1}']")).ToContainTextAsync("1500 bps");
        await Expect(svg.Locator($"g.node[data-kind=dataset][data-id='{ds2}']")).ToContainTextAsync("500 bps");
        await Expect(svg.Locator($"g.node[data-kind=device][data-id='{device.Hex}']")).ToHaveCountAsync(1);
        await Expect(svg.Locator("line.edge")).ToHaveCountAsync(4);
        await Expect(svg.Locator($"line.edge[data-kind=parent][data-from='{parentId}'][data-to='{childId}']")).ToHaveCountAsync(1);
        await Expect(svg.Locator($"line.edge[data-kind=dataset][data-from='{ds1}'][data-to='{childId}']")).ToHaveCountAsync(1);
        await Expect(svg.Locator($"line.edge[data-kind=dataset][data-from='{ds2}'][data-to='{childId}']")).ToHaveCountAsync(1);
        await Expect(svg.Locator($"line.edge[data-kind=device][data-from='{device.Hex}'][data-to='{childId}']")).ToHaveCountAsync(1);
        // The parent sits above the child: its box's top is higher on the page.
        var parentBox = await svg.Locator($"g.node[data-id='{parentId}'] rect").BoundingBoxAsync();
        var childBox = await svg.Locator($"g.node[data-id='{childId}'] rect").BoundingBoxAsync();
        Assert.True(parentBox!.Y < childBox!.Y, $"parent at {parentBox.Y}, child at {childBox.Y}");
        await ExplorerWorld.ScreenshotAsync(page, "model-lineage");

        // The parent's own page shows the child below it, and the registry page both datasets and the device.
        var pp = await w.OpenAsync($"model.html?id={parentId}");
        await Expect(pp.Locator($"svg#lineage line.edge[data-from='{parentId}'][data-to='{childId}']")).ToHaveCountAsync(1);
        var rp = await w.OpenAsync("registry.html");
        await Expect(rp.Locator("#datasets tbody tr")).ToHaveCountAsync(2);
        await Expect(rp.Locator($"#devices tr[data-device='{device.Hex}']")).ToContainTextAsync(owner.Hex);
        await ExplorerWorld.ScreenshotAsync(rp, "registry");
        var mp = await w.OpenAsync("models.html");
        await Expect(mp.Locator("#models tbody tr")).ToHaveCountAsync(2);
    }

    /// <summary>The cheater's side of the game in its own loop, from its own (cheating) trace.</summary>
    private static async Task PlayWorkerAsync(ExplorerWorld w, JobId job, Address worker, DisputeTrace trace, CancellationToken ct)
    {
        var player = new DisputePlayer(new ChainClient(w.Node.RpcUrl), w.V.Deployment.DisputeGame, w.M.Dispute);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await player.PlaySideAsync(job, new DisputeParty(worker, trace), asChallenger: false, ct: ct);
                await Task.Delay(50, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
