using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Verity.Explorer;

/// <summary>
/// Maps the explorer — JSON API under <c>{base}/api/</c> and the static pages — onto any ASP.NET Core app (its own
/// process, or the gateway's), and runs its indexer for the app's lifetime.
/// </summary>
public static class ExplorerApp
{
    private static readonly Assembly Self = typeof(ExplorerApp).Assembly;

    /// <summary>Maps the explorer onto <paramref name="app"/>; the indexer starts with the app and stops with it.
    /// Returns the state, so a host can read it.</summary>
    public static ExplorerState Map(WebApplication app, ExplorerOptions o, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        var state = new ExplorerState();
        var indexer = new Indexer(o, state, log);
        app.Lifetime.ApplicationStarted.Register(() => _ = indexer.RunAsync(app.Lifetime.ApplicationStopping));
        var b = o.BasePath.TrimEnd('/');
        var api = app.MapGroup(b + "/api");

        api.MapGet("/jobs", (string? limit) =>
        {
            if (Int(limit, 100, 1, 1000) is not { } n)
                return Error(400, "limit must be a whole number between 1 and 1000");
            lock (state.Sync)
                return Results.Json(state.JobList(n));
        });
        api.MapGet("/jobs/{id}", (string id) =>
        {
            if (!ulong.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n == 0)
                return Error(400, $"malformed job id \"{Clip(id)}\": a job id is a positive decimal number");
            JobRecord? j;
            lock (state.Sync)
                j = state.Jobs.GetValueOrDefault(n);
            if (j is null)
                return Error(404, $"unknown job {n}");
            var rows = NodeStores.RowsFor(n, o.NodeStores); // outside the lock: file I/O
            lock (state.Sync)
                return Results.Json(state.Job(j, rows));
        });
        api.MapGet("/workers", () => { lock (state.Sync) return Results.Json(state.WorkerList()); });
        api.MapGet("/models", () => { lock (state.Sync) return Results.Json(state.ModelList()); });
        api.MapGet("/models/{id}", (string id) =>
        {
            if (Hex.ParseHash(id) is not { } h)
                return Error(400, $"malformed model id \"{Clip(id)}\": a model id is 0x and 64 hex digits");
            lock (state.Sync)
                return state.Models.TryGetValue(h, out var m) ? Results.Json(state.Model(m)) : Error(404, $"unknown model {h}");
        });
        api.MapGet("/datasets", () => { lock (state.Sync) return Results.Json(state.DatasetList()); });
        api.MapGet("/devices", () => { lock (state.Sync) return Results.Json(state.DeviceList()); });
        api.MapGet("/totals", (string? buckets) =>
        {
            if (Int(buckets, 24, 1, 200) is not { } n)
                return Error(400, "buckets must be a whole number between 1 and 200");
            lock (state.Sync)
                return Results.Json(state.Totals(o.FromBlock, n));
        });
        api.MapFallback(() => Error(404, "no such API endpoint"));

        app.MapGet(b + "/", () => Page("index.html"));
        app.MapGet(b + "/{file}", (string file) => Page(file));
        if (b.Length > 0)
            app.MapGet(b, () => Results.Redirect(b + "/"));
        return state;
    }

    /// <summary>Serves an embedded page, script or stylesheet; anything else is a 404.</summary>
    private static IResult Page(string file)
    {
        var stream = Self.GetManifestResourceStream("wwwroot/" + file);
        if (stream is null)
            return Error(404, $"no page \"{Clip(file)}\"");
        var type = Path.GetExtension(file) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => "application/octet-stream",
        };
        return Results.Stream(stream, type);
    }

    /// <summary>The API's error shape: <c>{"error": {"status": 404, "message": "…"}}</c>.</summary>
    public static IResult Error(int status, string message) =>
        Results.Json(new { error = new { status, message } }, statusCode: status);

    /// <summary>A query number parsed by hand, so a malformed one gets our JSON error rather than the framework's empty 400.</summary>
    private static int? Int(string? text, int absent, int min, int max) =>
        text is null ? absent
        : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n
        : null;

    private static string Clip(string s) => s.Length > 80 ? s[..80] + "…" : s;

    /// <summary>A standalone explorer host on <paramref name="url"/> (e.g. http://127.0.0.1:8080; port 0 picks one).
    /// Unhandled errors answer a JSON 500 without the exception text.</summary>
    public static WebApplication Build(ExplorerOptions o, string url, Action<string>? log = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.UseExceptionHandler(e => e.Run(ctx => Error(500, "internal error").ExecuteAsync(ctx)));
        // Whatever the framework answers with an empty body (a wrong method, say) still gets the JSON error shape.
        app.UseStatusCodePages(ctx => Error(ctx.HttpContext.Response.StatusCode, "request refused").ExecuteAsync(ctx.HttpContext));
        Map(app, o, log);
        return app;
    }
}
