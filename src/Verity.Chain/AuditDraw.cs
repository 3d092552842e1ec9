using System.Buffers.Binary;
using System.Numerics;
using Nethereum.Util;
using Verity.Commitments;

namespace Verity.Chain;

/// <summary>
/// The market's audit draw (<c>JobMarket._settleAudit</c>) computed off chain: a result posted in block b is audited when
/// <c>keccak256(abi.encode(blockhash(b + 1), jobId)) mod 10,000 &lt; auditBps</c>. Anyone can know it once block b + 1
/// is mined; the market settles it when someone calls <c>settleAudit</c>, or at <c>finalize</c>.
/// </summary>
public static class AuditDraw
{
    public static bool Selects(Hash256 seedBlockHash, JobId job, int auditBps)
    {
        var packed = new byte[64];
        seedBlockHash.AsSpan().CopyTo(packed);
        BinaryPrimitives.WriteUInt64BigEndian(packed.AsSpan(56), job.Value);
        var seed = Sha3Keccack.Current.CalculateHash(packed);
        return new BigInteger(seed, isUnsigned: true, isBigEndian: true) % 10_000 < auditBps;
    }
}
