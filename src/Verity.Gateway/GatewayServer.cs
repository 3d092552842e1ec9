using System.Net;
using System.Text.Json.Nodes;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Verity.Chain;
using Verity.Client;

namespace Verity.Gateway;

/// <summary>
/// The OpenAI-compatible gateway (docs/GATEWAY.md) on Kestrel: <c>POST /v1/embeddings</c>, <c>POST /v1/features</c>,
/// <c>GET /v1/models</c>, <c>GET /v1/jobs/{id}</c>. Every input becomes a job on the network requested from the
/// client's wallet; API keys (Bearer) carry budgets kept in a <see cref="Ledger"/> and per-key rate limits.
/// </summary>
public sealed class GatewayServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pruning;

    private GatewayServer(WebApplication app, Ledger ledger, Uri baseUrl, GatewayOptions options)
    {
        _app = app;
        Ledger = ledger;
        BaseUrl = baseUrl;
        _pruning = options.ServeInputs is { } folder ? PruneInputsAsync(folder, options.InputsRetention, options.Log, _stop.Token) : Task.CompletedTask;
    }

    /// <summary>Where it listens, e.g. http://127.0.0.1:5123 (the OpenAI base URL is this + "/v1").</summary>
    public Uri BaseUrl { get; }

    public Ledger Ledger { get; }

    /// <summary>Builds the app and starts listening.</summary>
    public static async Task<GatewayServer> StartAsync(VerityClient client, GatewayOptions options, CancellationToken ct = default)
    {
        if (options.Models.Count == 0)
            throw new ArgumentException("the gateway needs at least one model");
        if (options.ServeInputs is not null)
        {
            var market = await client.Contracts.ParamsAsync().ConfigureAwait(false);
            var exposure = TimeSpan.FromSeconds((double)market.ResultTimeout + market.ChallengeWindow + market.AuditWindow);
            if (options.InputsRetention < exposure)
                throw new ArgumentException($"inputs retention {options.InputsRetention} is shorter than a job's exposure on this market "
                    + $"({exposure}: result timeout + challenge window + audit window): workers and validators could miss an input");
        }
        var ledger = new Ledger(options.StorePath);
        var keys = options.Keys.ToDictionary(k => k.Key, StringComparer.Ordinal);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Parse(options.Host), options.Port));
        builder.Services.AddRateLimiter(o =>
        {
            // One fixed one-minute window per key; requests without a known key are not limited here, they get 401.
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(ctx => KeyOf(ctx, keys) is { } key
                ? RateLimitPartition.GetFixedWindowLimiter(key.Name, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = key.RequestsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter("anonymous"));
            o.OnRejected = async (c, token) =>
            {
                var key = KeyOf(c.HttpContext, keys)!;
                if (c.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after))
                    c.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(after.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await new ApiError(StatusCodes.Status429TooManyRequests,
                    $"Rate limit reached for key '{key.Name}': {key.RequestsPerMinute} requests per minute.", "requests", null, "rate_limit_exceeded")
                    .WriteAsync(c.HttpContext).ConfigureAwait(false);
            };
        });
        var app = builder.Build();
        app.UseRateLimiter();
        var endpoints = new Endpoints(client, options, ledger, keys);
        app.MapPost("/v1/embeddings", ctx => Handle(ctx, endpoints.EmbeddingsAsync, options.Log));
        app.MapPost("/v1/features", ctx => Handle(ctx, endpoints.FeaturesAsync, options.Log));
        app.MapGet("/v1/models", ctx => Handle(ctx, endpoints.ModelsAsync, options.Log));
        app.MapGet("/v1/models/{id}", ctx => Handle(ctx, endpoints.ModelAsync, options.Log));
        app.MapGet("/v1/jobs/{id}", ctx => Handle(ctx, endpoints.JobAsync, options.Log));
        if (options.ServeInputs is { } inputs)
            app.MapGet("/v1/inputs/{name}", ctx => ServeInputAsync(ctx, inputs));
        app.MapFallback(ctx => Handle(ctx, c => throw new ApiError(StatusCodes.Status404NotFound,
            $"Unknown request URL: {c.Request.Method} {c.Request.Path}.", "invalid_request_error", null, "unknown_url"), options.Log));
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            ledger.Dispose();
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GatewayServer(app, ledger, new Uri(address), options);
    }

    /// <summary>Completes when the host stops (Ctrl+C or <paramref name="ct"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken ct) => _app.WaitForShutdownAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _pruning.ConfigureAwait(false);
        _stop.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        Ledger.Dispose();
    }

    internal static ApiKey? KeyOf(HttpContext ctx, IReadOnlyDictionary<string, ApiKey> keys)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && keys.TryGetValue(header["Bearer ".Length..].Trim(), out var k)
            ? k : null;
    }

    /// <summary>Deletes the served inputs older than the retention, now and then (a twentieth of the retention, at most
    /// hourly), until stopped.</summary>
    private static async Task PruneInputsAsync(string folder, TimeSpan retention, Action<string>? log, CancellationToken ct)
    {
        var every = TimeSpan.FromTicks(Math.Min(retention.Ticks / 20, TimeSpan.FromHours(1).Ticks));
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (Node.Content.InputSource.Prune(folder, DateTime.UtcNow - retention) is > 0 and var n)
                    log?.Invoke($"pruned {n} served input(s) older than {retention}");
                await Task.Delay(every, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (IOException e)
            {
                log?.Invoke($"pruning served inputs failed, retrying later: {e.Message}");
            }
        }
    }

    /// <summary><c>GET /v1/inputs/{root}.input</c>: the bytes of an input this gateway requested by root, for the
    /// workers and validators that fetch it (no key: they are not the gateway's clients, and the bytes are checked
    /// against the root on chain by whoever fetches them).</summary>
    private static async Task ServeInputAsync(HttpContext ctx, string folder)
    {
        var name = ctx.Request.RouteValues["name"] as string ?? "";
        bool wellFormed = name.Length == 64 + ".input".Length && name.EndsWith(".input", StringComparison.Ordinal)
                          && name[..64].All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
        var path = Path.Combine(folder, name);
        if (!wellFormed || !File.Exists(path))
        {
            await new ApiError(StatusCodes.Status404NotFound, wellFormed ? $"This gateway serves no input {name}." : $"'{name}' is not <input root as 64 lowercase hex digits>.input.",
                "invalid_request_error", "name", "input_not_found").WriteAsync(ctx).ConfigureAwait(false);
            return;
        }
        ctx.Response.ContentType = "application/octet-stream";
        await ctx.Response.SendFileAsync(path, ctx.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Runs an endpoint; an <see cref="ApiError"/> becomes its OpenAI-style body, anything else a 500 with a
    /// generic body (logged, never a stack trace to the client).</summary>
    private static async Task Handle(HttpContext ctx, Func<HttpContext, Task<JsonObject>> endpoint, Action<string>? log)
    {
        try
        {
            var body = await endpoint(ctx).ConfigureAwait(false);
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(body.ToJsonString(), ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (ApiError e)
        {
            log?.Invoke($"{ctx.Request.Method} {ctx.Request.Path}: {e.Status} {e.Code}: {e.Message}");
            if (!ctx.Response.HasStarted)
                await e.WriteAsync(ctx).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // the client went away; its jobs (if any) stay on chain
        }
        catch (Exception e)
        {
            log?.Invoke($"{ctx.Request.Method} {ctx.Request.Path}: 500: {e}");
            if (!ctx.Response.HasStarted)
                await new ApiError(StatusCodes.Status500InternalServerError, "The gateway failed to handle the request.", "server_error", null, "internal_error")
                    .WriteAsync(ctx).ConfigureAwait(false);
        }
    }
}
