using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Verity.Chain;
using Verity.Commitments;

namespace Verity.Client;

/// <summary>A dataset's part of a job's royalty cut.</summary>
public sealed record DatasetCut(Hash256 DatasetId, BigInteger Amount);

/// <summary>How the market split a finalized job's fee (wei): read from its <c>JobFinalized</c> event; the royalty cut
/// is divided between the owner and the datasets by the job's lineage share as <c>distributeRoyalties</c> divides a pot.</summary>
public sealed record FeeSplit(BigInteger Worker, BigInteger Owner, IReadOnlyList<DatasetCut> Datasets, BigInteger ValidatorPool)
{
    /// <summary>Everything paid out: equals the fee.</summary>
    public BigInteger Total => Worker + Owner + Datasets.Aggregate(BigInteger.Zero, (s, d) => s + d.Amount) + ValidatorPool;
}

/// <summary>What the chain says about one job: the request, the latest posted result, and the payout once finalized.
/// Hashes print as 64 lower-case hex digits (as <c>verity infer --local</c> prints them); amounts are wei.</summary>
public sealed record Receipt(
    JobId Job,
    Hash256 ModelId,
    JobStatus Status,
    Address Requester,
    Address? Worker,
    Hash256 InputRoot,
    byte[]? Output,
    Hash256? OutputHash,
    Hash256? TraceRoot,
    BigInteger Fee,
    FeeSplit? Split,
    long? ChallengeDeadline,
    string? RequestTx,
    string? ResultTx,
    string? FinalizeTx)
{
    /// <summary>The status as the JSON and the CLI print it ("committed", "finalized", …).</summary>
    public string StatusName => Status.ToString().ToLowerInvariant();

    /// <summary>True once the fee is paid out: nobody can challenge the result any more.</summary>
    public bool IsFinal => Status == JobStatus.Finalized;

    /// <summary>The receipt as a JSON object (docs/GATEWAY.md, "Receipt"); <paramref name="withOutput"/> = false leaves
    /// the output bytes out (its hash stays).</summary>
    public JsonObject ToJson(bool withOutput = true)
    {
        static JsonNode? Hex(Hash256? h) => h is { } v ? JsonValue.Create(v.ToString()) : null;
        var o = new JsonObject
        {
            ["job_id"] = Job.ToString(),
            ["model_id"] = ModelId.ToString(),
            ["status"] = StatusName,
            ["requester"] = Requester.ToString(),
            ["worker"] = Worker?.ToString(),
            ["input_root"] = InputRoot.ToString(),
            ["output_sha256"] = Hex(OutputHash),
            ["trace_root"] = Hex(TraceRoot),
            ["fee"] = Fee.ToString(),
            ["split"] = Split is null ? null : new JsonObject
            {
                ["worker"] = Split.Worker.ToString(),
                ["owner"] = Split.Owner.ToString(),
                ["datasets"] = new JsonArray([.. Split.Datasets.Select(d => (JsonNode)new JsonObject
                {
                    ["dataset_id"] = d.DatasetId.ToString(), ["amount"] = d.Amount.ToString(),
                })]),
                ["validator_pool"] = Split.ValidatorPool.ToString(),
            },
            ["challenge_deadline"] = ChallengeDeadline,
            ["request_tx"] = RequestTx,
            ["result_tx"] = ResultTx,
            ["finalize_tx"] = FinalizeTx,
        };
        if (withOutput)
            o["output"] = Output is null ? null : Convert.ToBase64String(Output);
        return o;
    }

    /// <summary>The receipt's short form for an HTTP header: <c>job=…; model=…; output=…; trace=…; status=…</c>.</summary>
    public string ToHeader() =>
        $"job={Job}; model={ModelId}; output={OutputHash?.ToString() ?? "-"}; trace={TraceRoot?.ToString() ?? "-"}; status={StatusName}";

    public override string ToString() => ToJson(withOutput: false).ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
