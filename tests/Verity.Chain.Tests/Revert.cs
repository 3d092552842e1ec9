namespace Verity.Chain.Tests;

internal static class Revert
{
    /// <summary>Asserts that <paramref name="action"/> reverts with custom error <typeparamref name="TError"/> and
    /// returns its decoded values.</summary>
    public static async Task<TError> With<TError>(Func<Task> action) where TError : class, new()
    {
        var e = await Assert.ThrowsAsync<ContractRevertedException>(action);
        Assert.True(e.Is<TError>(), $"expected {typeof(TError).Name}, got {e.Data ?? "no data"}: {e.Message}");
        return e.Decode<TError>();
    }
}
