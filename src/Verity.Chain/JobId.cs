namespace Verity.Chain;

/// <summary>A job's number in the JobMarket (1, 2, …; 0 is never a job).</summary>
public readonly record struct JobId(ulong Value)
{
    public System.Numerics.BigInteger ToBigInteger() => Value;

    public static JobId From(System.Numerics.BigInteger value) => new((ulong)value);

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
