using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Verity.Chain;

namespace Verity.Gateway;

/// <summary>A request the gateway answers with an OpenAI-style error body
/// <c>{"error":{"message","type","param","code"}}</c> and <see cref="Status"/>; when jobs were already requested
/// their ids come along (body <c>verity.jobs</c>, header <c>Verity-Job</c>) so they can be followed at /v1/jobs/{id}.</summary>
public sealed class ApiError(int status, string message, string type, string? param = null, string? code = null) : Exception(message)
{
    public int Status => status;
    public string Type => type;
    public string? Param => param;
    public string? Code => code;
    public IReadOnlyList<JobId> Jobs { get; init; } = [];

    public static ApiError BadRequest(string message, string? param, string? code = "invalid_value") =>
        new(StatusCodes.Status400BadRequest, message, "invalid_request_error", param, code);

    public JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = Message, ["type"] = type, ["param"] = param, ["code"] = code },
        };
        if (Jobs.Count > 0)
            o["verity"] = new JsonObject { ["jobs"] = new JsonArray([.. Jobs.Select(j => (JsonNode)j.ToString())]) };
        return o;
    }

    /// <summary>Writes the error (status, headers, body); nothing else of the exception reaches the client.</summary>
    public async Task WriteAsync(HttpContext ctx)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        if (Jobs.Count > 0)
            ctx.Response.Headers["Verity-Job"] = string.Join(", ", Jobs);
        await ctx.Response.WriteAsync(ToJson().ToJsonString(), ctx.RequestAborted).ConfigureAwait(false);
    }
}
