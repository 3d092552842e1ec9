using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;

namespace Verity.Chain;

/// <summary>
/// Sends contract transactions and calls over JSON-RPC (Nethereum underneath), in our own terms: contracts and
/// senders are <see cref="Address"/>es, a reverted transaction is a <see cref="ContractRevertedException"/> that
/// carries the revert data. A sender whose key was given (<see cref="AddSigner"/>) signs its transactions here and
/// sends them raw, with nonces handed out in order in this process; any other sender is the node's
/// (<c>eth_sendTransaction</c> from an account the node holds, as anvil's unlocked accounts).
/// </summary>
public sealed class ChainClient
{
    private readonly Dictionary<Address, (Web3 Web3, Nethereum.RPC.NonceServices.InMemoryNonceService Nonces)> _signers = [];
    private readonly Dictionary<Address, SemaphoreSlim> _nodeSends = [];

    public ChainClient(Uri rpcUrl)
    {
        RpcUrl = rpcUrl;
        Web3 = new Web3(rpcUrl.ToString());
        Web3.TransactionManager.UseLegacyAsDefault = true;
    }

    public Uri RpcUrl { get; }

    /// <summary>The Nethereum client, for what this class does not wrap.</summary>
    public Web3 Web3 { get; }

    /// <summary>Signs transactions from the key's address locally from now on (for chain <paramref name="chainId"/>).
    /// Returns the address.</summary>
    public Address AddSigner(Nethereum.Signer.EthECKey key, long chainId)
    {
        var account = new Nethereum.Web3.Accounts.Account(key, chainId);
        var web3 = new Web3(account, RpcUrl.ToString());
        web3.TransactionManager.UseLegacyAsDefault = true;
        // One nonce source per key, so two daemons of one process sending from the same key do not collide.
        var nonces = new Nethereum.RPC.NonceServices.InMemoryNonceService(account.Address, web3.Client);
        account.NonceService = nonces;
        var address = Address.Parse(account.Address);
        lock (_signers)
            _signers[address] = (web3, nonces);
        return address;
    }

    private Web3 SenderOf(Address from)
    {
        lock (_signers)
            return _signers.TryGetValue(from, out var s) ? s.Web3 : Web3;
    }

    /// <summary>For a sender the node holds, one send at a time per account (until the node has the transaction; the
    /// receipt is awaited outside): the node picks the nonce, and anvil gives concurrent <c>eth_sendTransaction</c>
    /// calls the same one, refusing the second. Null for a local signer, whose nonces are handed out here.</summary>
    private SemaphoreSlim? NodeSendQueueOf(Address from)
    {
        lock (_signers)
        {
            if (_signers.ContainsKey(from))
                return null;
            if (!_nodeSends.TryGetValue(from, out var queue))
                _nodeSends[from] = queue = new SemaphoreSlim(1, 1);
            return queue;
        }
    }

    /// <summary>After a send that may not have reached the node (the RPC failed), the next nonce is read from the
    /// chain again, so a lost transaction leaves no gap that would hold every later one back.</summary>
    private async Task ForgetNonceAsync(Address from)
    {
        Nethereum.RPC.NonceServices.InMemoryNonceService? nonces;
        lock (_signers)
            nonces = _signers.TryGetValue(from, out var s) ? s.Nonces : null;
        if (nonces is not null)
            await nonces.ResetNonceAsync().ConfigureAwait(false);
    }

    /// <summary>Sends <paramref name="message"/> to <paramref name="contract"/> from <paramref name="from"/> and
    /// waits for its receipt. Gas is estimated unless <paramref name="gas"/> is given. A revert (in estimation
    /// or on chain) throws <see cref="ContractRevertedException"/>.</summary>
    public async Task<TransactionReceipt> SendAsync<TMessage>(Address contract, TMessage message, Address from,
        BigInteger? gas = null, CancellationToken ct = default) where TMessage : FunctionMessage, new()
    {
        message.FromAddress = from.Hex;
        if (gas is { } g)
            message.Gas = g;
        var handler = SenderOf(from).Eth.GetContractTransactionHandler<TMessage>();
        string hash;
        var queue = NodeSendQueueOf(from);
        if (queue is not null)
            await queue.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            hash = await handler.SendRequestAsync(contract.Hex, message).ConfigureAwait(false);
        }
        catch (Exception e) when (ContractRevertedException.TryFrom(e, typeof(TMessage).Name) is { } reverted)
        {
            throw reverted;
        }
        catch
        {
            await ForgetNonceAsync(from).ConfigureAwait(false);
            throw;
        }
        finally
        {
            queue?.Release();
        }
        var receipt = await ReceiptAsync(hash, ct).ConfigureAwait(false);
        if (receipt.Status?.Value != 1)
            throw new ContractRevertedException(typeof(TMessage).Name, null, $"transaction {hash} reverted on chain (gas used {receipt.GasUsed?.Value})");
        return receipt;
    }

    /// <summary>Deploys a contract and returns its address and receipt.</summary>
    public async Task<(Address Address, TransactionReceipt Receipt)> DeployAsync<TDeployment>(TDeployment deployment,
        Address from, CancellationToken ct = default) where TDeployment : ContractDeploymentMessage, new()
    {
        deployment.FromAddress = from.Hex;
        var handler = SenderOf(from).Eth.GetContractDeploymentHandler<TDeployment>();
        string hash;
        try
        {
            hash = await handler.SendRequestAsync(deployment).ConfigureAwait(false);
        }
        catch (Exception e) when (ContractRevertedException.TryFrom(e, typeof(TDeployment).Name) is { } reverted)
        {
            throw reverted;
        }
        var receipt = await ReceiptAsync(hash, ct).ConfigureAwait(false);
        if (receipt.Status?.Value != 1 || receipt.ContractAddress is null)
            throw new ContractRevertedException(typeof(TDeployment).Name, null, $"deployment {hash} failed");
        return (Address.Parse(receipt.ContractAddress), receipt);
    }

    /// <summary>Calls a view function and decodes its outputs.</summary>
    public async Task<TOutput> CallAsync<TMessage, TOutput>(Address contract, TMessage message)
        where TMessage : FunctionMessage, new() where TOutput : IFunctionOutputDTO, new()
    {
        try
        {
            return await Web3.Eth.GetContractQueryHandler<TMessage>()
                .QueryDeserializingToObjectAsync<TOutput>(message, contract.Hex).ConfigureAwait(false);
        }
        catch (Exception e) when (ContractRevertedException.TryFrom(e, typeof(TMessage).Name) is { } reverted)
        {
            throw reverted;
        }
    }

    /// <summary>Calls a view function with a single return value.</summary>
    public async Task<T> QueryAsync<TMessage, T>(Address contract, TMessage message) where TMessage : FunctionMessage, new()
    {
        try
        {
            return await Web3.Eth.GetContractQueryHandler<TMessage>().QueryAsync<T>(contract.Hex, message).ConfigureAwait(false);
        }
        catch (Exception e) when (ContractRevertedException.TryFrom(e, typeof(TMessage).Name) is { } reverted)
        {
            throw reverted;
        }
    }

    public async Task<TransactionReceipt> ReceiptAsync(string hash, CancellationToken ct = default)
    {
        // anvil mines on receipt of the transaction, so the receipt is normally there at the first ask.
        for (var delay = 5; ; delay = Math.Min(delay * 2, 1000))
        {
            var receipt = await Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash).ConfigureAwait(false);
            if (receipt is not null)
                return receipt;
            await Task.Delay(delay, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The hash of block <paramref name="number"/> on the node's canonical chain; null past the head.</summary>
    public async Task<Verity.Commitments.Hash256?> BlockHashAsync(long number)
    {
        var block = await Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber
            .SendRequestAsync(new BlockParameter((ulong)number)).ConfigureAwait(false);
        return block?.BlockHash is { } hash ? Verity.Commitments.Hash256.Parse(hash) : null;
    }

    /// <summary><paramref name="read"/>'s value and the hash of block <paramref name="number"/>, read before and after
    /// it: a block that changed meanwhile (a reorganisation) throws <see cref="InvalidOperationException"/>, so that a
    /// follower retries rather than records events of a chain that is gone.</summary>
    public async Task<(T Value, Verity.Commitments.Hash256 Hash)> ReadStableAsync<T>(long number, Func<Task<T>> read)
    {
        var before = await BlockHashAsync(number).ConfigureAwait(false);
        var value = await read().ConfigureAwait(false);
        var after = await BlockHashAsync(number).ConfigureAwait(false);
        if (before is null || before != after)
            throw new InvalidOperationException($"block {number} changed while its events were read (a reorganisation); following again at the next step");
        return (value, before.Value);
    }

    public async Task<BigInteger> BlockTimestampAsync()
    {
        var block = await Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber
            .SendRequestAsync(BlockParameter.CreateLatest()).ConfigureAwait(false);
        return block.Timestamp.Value;
    }
}

/// <summary>A contract call or transaction reverted. <see cref="Data"/> is the revert data (hex), when the node
/// returned it; <see cref="Is{TError}"/> and <see cref="Decode{TError}"/> read a custom error from it.</summary>
public sealed class ContractRevertedException : Exception
{
    public ContractRevertedException(string call, string? data, string message, Exception? inner = null)
        : base($"{call} reverted: {KnownErrors.Describe(data) ?? message}", inner)
    {
        Call = call;
        Data = data;
    }

    public string Call { get; }

    /// <summary>The revert data as 0x-hex, or null.</summary>
    public new string? Data { get; }

    public bool Is<TError>() => Data is not null && new SmartContractCustomErrorRevertException(Data).IsCustomErrorFor<TError>();

    /// <summary>Decodes the custom error; throws if the revert was a different error.</summary>
    public TError Decode<TError>() where TError : class, new()
    {
        if (!Is<TError>())
            throw new InvalidOperationException($"{Call} reverted with {Data ?? "no data"}, not {typeof(TError).Name}. {Message}");
        return new SmartContractCustomErrorRevertException(Data!).DecodeError<TError>();
    }

    internal static ContractRevertedException? TryFrom(Exception e, string call) => e switch
    {
        ContractRevertedException r => r,
        SmartContractCustomErrorRevertException c => new ContractRevertedException(call, c.ExceptionEncodedData, c.Message, c),
        Nethereum.ABI.FunctionEncoding.SmartContractRevertException r => new ContractRevertedException(call, r.EncodedData, r.RevertMessage ?? r.Message, r),
        RpcResponseException r => new ContractRevertedException(call, DataOf(r.RpcError?.Data?.ToString()), r.Message, r),
        _ => null,
    };

    private static string? DataOf(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
            return null;
        raw = raw.Trim('"');
        return raw.StartsWith("0x", StringComparison.Ordinal) ? raw : null;
    }
}

/// <summary>Names a revert's custom error from the generated error classes (for messages only).</summary>
internal static class KnownErrors
{
    private static readonly Lazy<Type[]> Types = new(() => typeof(KnownErrors).Assembly.GetTypes()
        .Where(t => t.Namespace?.StartsWith("Verity.Chain.Generated", StringComparison.Ordinal) == true && t.Name.EndsWith("Error", StringComparison.Ordinal))
        .ToArray());

    public static string? Describe(string? data)
    {
        if (data is null || data.Length < 10)
            return data is null ? null : $"revert data {data}";
        var e = new SmartContractCustomErrorRevertException(data);
        var t = Types.Value.FirstOrDefault(e.IsCustomErrorFor);
        return t is null ? $"revert data {data}" : $"{t.Name[..^"Error".Length]} ({data})";
    }
}
