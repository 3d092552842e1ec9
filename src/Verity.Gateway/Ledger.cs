using System.Globalization;
using System.Numerics;
using Microsoft.Data.Sqlite;
using Verity.Chain;

namespace Verity.Gateway;

/// <summary>
/// What each API key has spent, in wei, in one SQLite file: one row per job the gateway requested for it, with the fee
/// the market escrowed (read from the request's <c>JobRequested</c> event), so a key's spend is exactly the fees taken
/// from the gateway's wallet on its behalf; a refunded job stops counting. In memory on top, the fees of requests
/// being submitted are reserved, so that concurrent requests cannot overrun a budget together.
/// </summary>
public sealed class Ledger : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, BigInteger> _spent = [];
    private readonly Dictionary<string, BigInteger> _reserved = [];

    public Ledger(string path)
    {
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _db.Open();
        using (var c = _db.CreateCommand())
        {
            c.CommandText = """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                CREATE TABLE IF NOT EXISTS charges (
                    job_id INTEGER PRIMARY KEY,
                    key_name TEXT NOT NULL,
                    fee TEXT NOT NULL,
                    refunded INTEGER NOT NULL DEFAULT 0);
                """;
            c.ExecuteNonQuery();
        }
        using var q = _db.CreateCommand();
        q.CommandText = "SELECT key_name, fee FROM charges WHERE refunded = 0";
        using var r = q.ExecuteReader();
        while (r.Read()) // amounts are exact integers: summed here, not by SQLite's floating SUM
            _spent[r.GetString(0)] = _spent.GetValueOrDefault(r.GetString(0)) + BigInteger.Parse(r.GetString(1), CultureInfo.InvariantCulture);
    }

    /// <summary>Wei the key has spent (fees escrowed or paid, less refunds).</summary>
    public BigInteger Spent(string key)
    {
        lock (_lock)
            return _spent.GetValueOrDefault(key);
    }

    /// <summary>Reserves <paramref name="amount"/> for <paramref name="key"/> if spent + reserved + amount stays within
    /// <paramref name="budget"/>; false otherwise.</summary>
    public bool TryReserve(string key, BigInteger amount, BigInteger budget)
    {
        lock (_lock)
        {
            var reserved = _reserved.GetValueOrDefault(key);
            if (_spent.GetValueOrDefault(key) + reserved + amount > budget)
                return false;
            _reserved[key] = reserved + amount;
            return true;
        }
    }

    /// <summary>Gives back a reservation (or what is left of it).</summary>
    public void Release(string key, BigInteger amount)
    {
        lock (_lock)
            _reserved[key] = _reserved.GetValueOrDefault(key) - amount;
    }

    /// <summary>Records a job requested for <paramref name="key"/>: <paramref name="fee"/> moves from reserved to
    /// spent (the reservation was <paramref name="reserved"/>).</summary>
    public void Charge(string key, JobId job, BigInteger fee, BigInteger reserved)
    {
        lock (_lock)
        {
            using var c = _db.CreateCommand();
            c.CommandText = "INSERT INTO charges (job_id, key_name, fee) VALUES ($id, $key, $fee)";
            c.Parameters.AddWithValue("$id", (long)job.Value);
            c.Parameters.AddWithValue("$key", key);
            c.Parameters.AddWithValue("$fee", fee.ToString(CultureInfo.InvariantCulture));
            c.ExecuteNonQuery();
            _spent[key] = _spent.GetValueOrDefault(key) + fee;
            _reserved[key] = _reserved.GetValueOrDefault(key) - reserved;
        }
    }

    /// <summary>A job came back refunded: its fee no longer counts against its key. Idempotent: true only the first
    /// time, for a job of this ledger.</summary>
    public bool Refund(JobId job)
    {
        lock (_lock)
        {
            using var q = _db.CreateCommand();
            q.CommandText = "UPDATE charges SET refunded = 1 WHERE job_id = $id AND refunded = 0 RETURNING key_name, fee";
            q.Parameters.AddWithValue("$id", (long)job.Value);
            using var r = q.ExecuteReader();
            if (!r.Read())
                return false;
            _spent[r.GetString(0)] -= BigInteger.Parse(r.GetString(1), CultureInfo.InvariantCulture);
            return true;
        }
    }

    /// <summary>The key a job was requested for, or null if this gateway did not request it.</summary>
    public string? KeyOf(JobId job)
    {
        lock (_lock)
        {
            using var q = _db.CreateCommand();
            q.CommandText = "SELECT key_name FROM charges WHERE job_id = $id";
            q.Parameters.AddWithValue("$id", (long)job.Value);
            return q.ExecuteScalar() as string;
        }
    }

    public void Dispose() => _db.Dispose();
}
