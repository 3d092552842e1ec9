using System.Net;
using System.Net.Sockets;

namespace Verity.Node.Tests;

/// <summary>
/// A loopback TCP forwarder to a local port (the chain's RPC), with a switch: <see cref="Cut"/> resets every open
/// connection and every new one until <see cref="Restore"/>, as a network outage does to the daemons behind it.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<Socket> _open = [];
    private readonly Task _accepting;
    private volatile bool _cut;
    private int _refused;

    public TcpProxy(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The RPC URL that goes through the proxy.</summary>
    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>Connections reset on arrival while cut: the daemons' attempts during the outage.</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>Resets every open connection and, until <see cref="Restore"/>, every new one.</summary>
    public void Cut()
    {
        _cut = true;
        lock (_open)
        {
            foreach (var s in _open)
                Reset(s);
            _open.Clear();
        }
    }

    public void Restore() => _cut = false;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            if (_cut)
            {
                Interlocked.Increment(ref _refused);
                Reset(client);
                continue;
            }
            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(Socket client)
    {
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, _target, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            Reset(client);
            upstream.Dispose();
            return;
        }
        lock (_open)
        {
            if (_cut) // cut while connecting
            {
                Reset(client);
                Reset(upstream);
                return;
            }
            _open.Add(client);
            _open.Add(upstream);
        }
        await Task.WhenAny(PumpAsync(client, upstream), PumpAsync(upstream, client)).ConfigureAwait(false);
        lock (_open)
        {
            _open.Remove(client);
            _open.Remove(upstream);
        }
        client.Dispose();
        upstream.Dispose();
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false)) > 0)
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // the other side went away, or the connection was cut
        }
    }

    /// <summary>Closes with RST (linger 0), so the peer sees the connection fail rather than end.</summary>
    private static void Reset(Socket s)
    {
        try
        {
            s.LingerState = new LingerOption(true, 0);
            s.Close();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _accepting.ConfigureAwait(false);
        Cut();
        _stop.Dispose();
    }
}
