using Microsoft.Data.Sqlite;

namespace Verity.Explorer;

/// <summary>Reads a job's rows from the daemons' SQLite stores (docs/NODE.md, "The store"), read-only, for detail the
/// chain does not hold: a worker's local state and submit transaction, a validator's verdict and own trace root.</summary>
public static class NodeStores
{
    private static readonly string[] JobStates = ["Seen", "Executed", "Submitted", "Closed"];
    private static readonly string[] ResultStates = ["Pending", "Agreed", "Disagreed", "Confirmed", "Challenged", "Done"];

    /// <summary>Every row about <paramref name="jobId"/> in the given stores; a store that cannot be read yields one
    /// row saying why, so a bad path shows on the page rather than failing the request.</summary>
    public static IReadOnlyList<object> RowsFor(ulong jobId, IReadOnlyList<string> paths)
    {
        var rows = new List<object>();
        foreach (var path in paths)
        {
            try
            {
                using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly }.ToString());
                db.Open();
                using (var cmd = db.CreateCommand())
                {
                    cmd.CommandText = "SELECT state, trace_root, submit_tx FROM jobs WHERE id = $id";
                    cmd.Parameters.AddWithValue("$id", (long)jobId);
                    using var r = cmd.ExecuteReader();
                    while (r.Read())
                        rows.Add(new
                        {
                            store = Path.GetFileName(path), role = r.GetInt32(0) == 0 && r.IsDBNull(1) ? "seen" : "worker", state = Name(JobStates, r.GetInt32(0)),
                            traceRoot = r.IsDBNull(1) ? null : Hex.Of((byte[])r[1]), tx = r.IsDBNull(2) ? null : r.GetString(2),
                        });
                }
                if (!HasTable(db, "results"))
                    continue;
                using (var cmd = db.CreateCommand())
                {
                    cmd.CommandText = "SELECT state, own_trace_root, tx, worker FROM results WHERE job_id = $id ORDER BY block";
                    cmd.Parameters.AddWithValue("$id", (long)jobId);
                    using var r = cmd.ExecuteReader();
                    while (r.Read())
                        rows.Add(new
                        {
                            store = Path.GetFileName(path), role = "validator", state = Name(ResultStates, r.GetInt32(0)),
                            traceRoot = r.IsDBNull(1) ? null : Hex.Of((byte[])r[1]), tx = r.IsDBNull(2) ? null : r.GetString(2),
                        });
                }
            }
            catch (SqliteException e)
            {
                rows.Add(new { store = Path.GetFileName(path), role = "error", state = e.Message, traceRoot = (string?)null, tx = (string?)null });
            }
        }
        return rows;
    }

    private static bool HasTable(SqliteConnection db, string name)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $n";
        cmd.Parameters.AddWithValue("$n", name);
        return cmd.ExecuteScalar() is not null;
    }

    private static string Name(string[] names, int i) => i >= 0 && i < names.Length ? names[i] : i.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
