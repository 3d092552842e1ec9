using Microsoft.Data.Sqlite;
using Verity.Chain;
using Verity.Commitments;

namespace Verity.Node;

/// <summary>Where a job stands for this node.</summary>
/// <remarks>Seen → Executed → Submitted → Closed; a job drawn to another worker that leaves the market's open states
/// goes straight to Closed. Only Closed jobs have dropped their committed trace.</remarks>
public enum NodeJobState { Seen = 0, Executed = 1, Submitted = 2, Closed = 3 }

/// <summary>A job as the node has recorded it. <see cref="Output"/>, <see cref="TraceRoot"/> and <see cref="OpRoots"/>
/// are set from <see cref="NodeJobState.Executed"/> until the job is closed; <see cref="SubmitTx"/> once submitted
/// (null when the node found the result already on chain, posted by a send it had not recorded).</summary>
public sealed record NodeJob(JobId Id, Hash256 ModelId, Hash256 InputRoot, byte[] Input, long RequestBlock, NodeJobState State,
    byte[]? Output, Hash256? TraceRoot, Hash256[]? OpRoots, string? SubmitTx);

/// <summary>Where a posted result stands for a validator: Pending → Agreed (→ Confirmed as its auditor) or Disagreed
/// → Challenged; Done once the job has left the result's challenge window or dispute (or the validator skips it).</summary>
public enum ResultState { Pending = 0, Agreed = 1, Disagreed = 2, Confirmed = 3, Challenged = 4, Done = 5 }

/// <summary>A result posted on chain (<c>ResultSubmitted</c> at <see cref="Block"/>) as a validator recorded it, with
/// the auditor drawn for it, the validator's own trace root once re-executed, and the transaction that acted on it.</summary>
public sealed record PostedResult(JobId Job, long Block, Address Worker, Hash256 OutputHash, Hash256 TraceRoot, byte[] Output,
    Address? Auditor, ResultState State, Hash256? OwnTraceRoot, string? Tx);

/// <summary>
/// A node's local state in one SQLite file: the last block whose events it has processed, every job it has seen with
/// what it did about it and, for a validator, every result posted with what it did about that. Each step that changes
/// both (a batch of events and the block it reached; a submission and its jobs) is one transaction, so a process
/// killed at any point restarts from a consistent file.
/// </summary>
public sealed class NodeStore : IDisposable
{
    private readonly SqliteConnection _db;

    public NodeStore(string path)
    {
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _db.Open();
        Exec("""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            CREATE TABLE IF NOT EXISTS cursor (id INTEGER PRIMARY KEY CHECK (id = 0), block INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS jobs (
                id INTEGER PRIMARY KEY,
                model_id BLOB NOT NULL,
                input_root BLOB NOT NULL,
                input BLOB NOT NULL,
                request_block INTEGER NOT NULL,
                state INTEGER NOT NULL,
                output BLOB,
                trace_root BLOB,
                op_roots BLOB,
                submit_tx TEXT);
            CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state);
            CREATE TABLE IF NOT EXISTS results (
                job_id INTEGER NOT NULL,
                block INTEGER NOT NULL,
                worker TEXT NOT NULL,
                output_hash BLOB NOT NULL,
                trace_root BLOB NOT NULL,
                output BLOB NOT NULL,
                auditor TEXT,
                state INTEGER NOT NULL,
                own_trace_root BLOB,
                tx TEXT,
                PRIMARY KEY (job_id, block));
            CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, hash BLOB NOT NULL);
            """);
    }

    public string Path => _db.DataSource;

    /// <summary>The last block whose events were processed; −1 before the first.</summary>
    public long LastBlock
    {
        get
        {
            using var c = Command("SELECT block FROM cursor WHERE id = 0");
            return c.ExecuteScalar() is long b ? b : -1;
        }
    }

    /// <summary>Records newly seen jobs (once each: a job already known is left as it is) and the block the node has
    /// now processed, in one transaction.</summary>
    public void RecordSeen(IReadOnlyList<NodeJob> seen, long throughBlock, IReadOnlyList<JobId>? reopened = null, Hash256? throughHash = null) =>
        RecordFollowed(seen, [], [], throughBlock, reopened, throughHash);

    /// <summary>Records, in one transaction, newly seen jobs and posted results (once each), the auditors drawn for
    /// results (each applies to the job's latest result posted at or before its block), the jobs the market reopened
    /// for a new draw (<c>JobReassigned</c>: back to Seen, whatever this node had done for them), and the block reached
    /// with its hash (kept for the last <see cref="KeptBlocks"/> ranges, to find where a reorganisation forked).</summary>
    public void RecordFollowed(IReadOnlyList<NodeJob> seen, IReadOnlyList<PostedResult> results,
        IReadOnlyList<(JobId Job, long Block, Address Auditor)> audits, long throughBlock, IReadOnlyList<JobId>? reopened = null,
        Hash256? throughHash = null)
    {
        using var tx = _db.BeginTransaction();
        foreach (var j in seen)
        {
            using var c = Command("""
                INSERT OR IGNORE INTO jobs (id, model_id, input_root, input, request_block, state)
                VALUES ($id, $model, $root, $input, $block, 0)
                """, tx);
            c.Parameters.AddWithValue("$id", Key(j.Id));
            c.Parameters.AddWithValue("$model", j.ModelId.ToArray());
            c.Parameters.AddWithValue("$root", j.InputRoot.ToArray());
            c.Parameters.AddWithValue("$input", j.Input);
            c.Parameters.AddWithValue("$block", j.RequestBlock);
            c.ExecuteNonQuery();
        }
        foreach (var r in results)
        {
            using var c = Command("""
                INSERT OR IGNORE INTO results (job_id, block, worker, output_hash, trace_root, output, state)
                VALUES ($id, $block, $worker, $oh, $tr, $out, 0)
                """, tx);
            c.Parameters.AddWithValue("$id", Key(r.Job));
            c.Parameters.AddWithValue("$block", r.Block);
            c.Parameters.AddWithValue("$worker", r.Worker.Hex);
            c.Parameters.AddWithValue("$oh", r.OutputHash.ToArray());
            c.Parameters.AddWithValue("$tr", r.TraceRoot.ToArray());
            c.Parameters.AddWithValue("$out", r.Output);
            c.ExecuteNonQuery();
        }
        foreach (var id in reopened ?? [])
        {
            using var c = Command("UPDATE jobs SET state = 0, output = NULL, trace_root = NULL, op_roots = NULL, submit_tx = NULL WHERE id = $id", tx);
            c.Parameters.AddWithValue("$id", Key(id));
            c.ExecuteNonQuery();
        }
        foreach (var (job, block, auditor) in audits)
        {
            using var c = Command("""
                UPDATE results SET auditor = $a WHERE job_id = $id
                AND block = (SELECT MAX(block) FROM results WHERE job_id = $id AND block <= $b)
                """, tx);
            c.Parameters.AddWithValue("$id", Key(job));
            c.Parameters.AddWithValue("$b", block);
            c.Parameters.AddWithValue("$a", auditor.Hex);
            c.ExecuteNonQuery();
        }
        using (var c = Command("INSERT INTO cursor (id, block) VALUES (0, $b) ON CONFLICT (id) DO UPDATE SET block = $b", tx))
        {
            c.Parameters.AddWithValue("$b", throughBlock);
            c.ExecuteNonQuery();
        }
        if (throughHash is { } hash)
        {
            using var c = Command("""
                INSERT OR REPLACE INTO blocks (number, hash) VALUES ($n, $h);
                DELETE FROM blocks WHERE number NOT IN (SELECT number FROM blocks ORDER BY number DESC LIMIT $keep);
                """, tx);
            c.Parameters.AddWithValue("$n", throughBlock);
            c.Parameters.AddWithValue("$h", hash.ToArray());
            c.Parameters.AddWithValue("$keep", KeptBlocks);
            c.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>How many followed blocks' hashes are kept: a reorganisation reaching below all of them is followed
    /// again from the daemon's start block.</summary>
    public const int KeptBlocks = 256;

    /// <summary>The blocks the node followed to, with their hashes, newest first.</summary>
    public IReadOnlyList<(long Number, Hash256 Hash)> FollowedBlocks()
    {
        using var c = Command("SELECT number, hash FROM blocks ORDER BY number DESC");
        using var r = c.ExecuteReader();
        var list = new List<(long, Hash256)>();
        while (r.Read())
            list.Add((r.GetInt64(0), new Hash256((byte[])r[1])));
        return list;
    }

    /// <summary>After a reorganisation: forgets everything recorded from blocks after <paramref name="block"/> (jobs
    /// requested there, results posted there, followed blocks) and moves the cursor back to it, in one transaction; the
    /// next follow reads the canonical chain from there.</summary>
    public void Rewind(long block)
    {
        using var tx = _db.BeginTransaction();
        using (var c = Command("""
            DELETE FROM jobs WHERE request_block > $b;
            DELETE FROM results WHERE block > $b;
            DELETE FROM blocks WHERE number > $b;
            INSERT INTO cursor (id, block) VALUES (0, $b) ON CONFLICT (id) DO UPDATE SET block = $b;
            """, tx))
        {
            c.Parameters.AddWithValue("$b", block);
            c.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>The transactions this node recorded as sent and effective: submits of jobs still Submitted, and the
    /// confirmations and challenges of results still Confirmed or Challenged.</summary>
    public IReadOnlyList<string> SentTransactions()
    {
        using var c = Command("""
            SELECT submit_tx FROM jobs WHERE state = 2 AND submit_tx IS NOT NULL
            UNION SELECT tx FROM results WHERE state IN (3, 4) AND tx IS NOT NULL
            """);
        using var r = c.ExecuteReader();
        var list = new List<string>();
        while (r.Read())
            list.Add(r.GetString(0));
        return list;
    }

    /// <summary>A sent transaction that a reorganisation dropped: its jobs go back to Executed (to be posted again, or
    /// found on chain if the transaction is mined again), its results back to Agreed / Disagreed.</summary>
    public void ForgetTransaction(string txHash)
    {
        using var tx = _db.BeginTransaction();
        using (var c = Command("""
            UPDATE jobs SET state = 1, submit_tx = NULL WHERE state = 2 AND submit_tx = $tx;
            UPDATE results SET state = CASE state WHEN 3 THEN 1 ELSE 2 END, tx = NULL WHERE state IN (3, 4) AND tx = $tx;
            """, tx))
        {
            c.Parameters.AddWithValue("$tx", txHash);
            c.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>Moves a posted result to <paramref name="state"/>, keeping the node's own trace root once checked and
    /// the transaction that acted on it (confirmAudit, challenge; null when found already done on chain).</summary>
    public void RecordResult(JobId job, long block, ResultState state, Hash256? ownTraceRoot = null, string? txHash = null)
    {
        using var c = Command("""
            UPDATE results SET state = $s, own_trace_root = COALESCE($own, own_trace_root), tx = COALESCE($tx, tx)
            WHERE job_id = $id AND block = $b
            """);
        c.Parameters.AddWithValue("$id", Key(job));
        c.Parameters.AddWithValue("$b", block);
        c.Parameters.AddWithValue("$s", (long)state);
        c.Parameters.AddWithValue("$own", (object?)ownTraceRoot?.ToArray() ?? DBNull.Value);
        c.Parameters.AddWithValue("$tx", (object?)txHash ?? DBNull.Value);
        c.ExecuteNonQuery();
    }

    /// <summary>Posted results in <paramref name="state"/> (all when null), oldest first.</summary>
    public IReadOnlyList<PostedResult> Results(ResultState? state = null)
    {
        using var c = Command($"""
            SELECT job_id, block, worker, output_hash, trace_root, output, auditor, state, own_trace_root, tx
            FROM results {(state is null ? "" : "WHERE state = $s")} ORDER BY block, job_id
            """);
        if (state is { } st)
            c.Parameters.AddWithValue("$s", (long)st);
        using var r = c.ExecuteReader();
        var list = new List<PostedResult>();
        while (r.Read())
            list.Add(new PostedResult(new JobId(checked((ulong)r.GetInt64(0))), r.GetInt64(1), Address.Parse(r.GetString(2)),
                new Hash256((byte[])r[3]), new Hash256((byte[])r[4]), (byte[])r[5], r.IsDBNull(6) ? null : Address.Parse(r.GetString(6)),
                (ResultState)r.GetInt64(7), r.IsDBNull(8) ? null : new Hash256((byte[])r[8]), r.IsDBNull(9) ? null : r.GetString(9)));
        return list;
    }

    /// <summary>Keeps the input of a job requested by root (served off-chain), once fetched and checked against its root.</summary>
    public void RecordInput(JobId id, byte[] input)
    {
        using var c = Command("UPDATE jobs SET input = $input WHERE id = $id AND length(input) = 0");
        c.Parameters.AddWithValue("$id", Key(id));
        c.Parameters.AddWithValue("$input", input);
        c.ExecuteNonQuery();
    }

    /// <summary>Keeps an execution: the output, the trace root and every op's output root.</summary>
    public void RecordExecuted(JobId id, byte[] output, Hash256 traceRoot, IReadOnlyList<Hash256> opRoots)
    {
        using var c = Command("""
            UPDATE jobs SET state = 1, output = $out, trace_root = $trace, op_roots = $ops WHERE id = $id AND state = 0
            """);
        c.Parameters.AddWithValue("$id", Key(id));
        c.Parameters.AddWithValue("$out", output);
        c.Parameters.AddWithValue("$trace", traceRoot.ToArray());
        c.Parameters.AddWithValue("$ops", opRoots.SelectMany(r => r.ToArray()).ToArray());
        c.ExecuteNonQuery();
    }

    /// <summary>Marks jobs submitted by transaction <paramref name="tx"/> (null: found already on chain), in one transaction.</summary>
    public void RecordSubmitted(IReadOnlyList<JobId> ids, string? txHash)
    {
        using var tx = _db.BeginTransaction();
        foreach (var id in ids)
        {
            using var c = Command("UPDATE jobs SET state = 2, submit_tx = $tx WHERE id = $id AND state < 2", tx);
            c.Parameters.AddWithValue("$id", Key(id));
            c.Parameters.AddWithValue("$tx", (object?)txHash ?? DBNull.Value);
            c.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>Closes a job and drops its committed trace (its challenge window has closed, or it is not ours).</summary>
    public void RecordClosed(JobId id)
    {
        using var c = Command("UPDATE jobs SET state = 3, output = NULL, op_roots = NULL WHERE id = $id");
        c.Parameters.AddWithValue("$id", Key(id));
        c.ExecuteNonQuery();
    }

    public NodeJob? Job(JobId id) => Query("WHERE id = $id", ("$id", Key(id))).SingleOrDefault();

    /// <summary>Jobs in <paramref name="state"/>, oldest request first.</summary>
    public IReadOnlyList<NodeJob> Jobs(NodeJobState state) => Query("WHERE state = $s", ("$s", (long)state));

    public IReadOnlyList<NodeJob> AllJobs() => Query("");

    public void Dispose() => _db.Dispose();

    private List<NodeJob> Query(string where, params (string Name, object Value)[] args)
    {
        using var c = Command($"""
            SELECT id, model_id, input_root, input, request_block, state, output, trace_root, op_roots, submit_tx
            FROM jobs {where} ORDER BY request_block, id
            """);
        foreach (var (n, v) in args)
            c.Parameters.AddWithValue(n, v);
        using var r = c.ExecuteReader();
        var jobs = new List<NodeJob>();
        while (r.Read())
        {
            byte[]? ops = r.IsDBNull(8) ? null : (byte[])r[8];
            jobs.Add(new NodeJob(new JobId(checked((ulong)r.GetInt64(0))),
                new Hash256((byte[])r[1]), new Hash256((byte[])r[2]), (byte[])r[3], r.GetInt64(4), (NodeJobState)r.GetInt64(5),
                r.IsDBNull(6) ? null : (byte[])r[6], r.IsDBNull(7) ? null : new Hash256((byte[])r[7]),
                ops is null ? null : [.. ops.Chunk(32).Select(b => new Hash256(b))], r.IsDBNull(9) ? null : r.GetString(9)));
        }
        return jobs;
    }

    private static long Key(JobId id) => checked((long)id.Value);

    private SqliteCommand Command(string sql, SqliteTransaction? tx = null)
    {
        var c = _db.CreateCommand();
        c.CommandText = sql;
        c.Transaction = tx;
        return c;
    }

    private void Exec(string sql)
    {
        using var c = Command(sql);
        c.ExecuteNonQuery();
    }
}
