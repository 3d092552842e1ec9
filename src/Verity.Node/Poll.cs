namespace Verity.Node;

/// <summary>The daemons' loop: step, wait, repeat until cancelled; a failed step is logged and retried next time.</summary>
internal static class Poll
{
    public static async Task RunAsync(Func<CancellationToken, Task> step, TimeSpan interval, Action<string> log, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await step(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return; // stopped mid-step: the store is transactional, the next start resumes
            }
            catch (Exception e)
            {
                log($"step failed, retrying: {e.Message}");
            }
            try
            {
                await Task.Delay(interval, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
