using Verity.Compiler.Onnx;

namespace Verity.Cli;

/// <summary>Turns expected failures into one clear line on stderr and an exit code; never a stack trace.</summary>
public static class Cli
{
    /// <summary>Exit code for bad input (a file, an argument, a model).</summary>
    public const int BadInput = 2;

    public static int Run(Func<int> action) => RunAsync(() => Task.FromResult(action())).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException
                                       or OnnxFormatException or UnsupportedOnnxException or FormatException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return BadInput;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is HttpRequestException or Nethereum.JsonRpc.Client.RpcResponseException
                                       or Nethereum.JsonRpc.Client.RpcClientUnknownException or Nethereum.JsonRpc.Client.RpcClientTimeoutException)
        {
            Console.Error.WriteLine($"error: the chain endpoint failed: {e.Message}");
            return 1;
        }
        catch (Verity.Chain.ContractRevertedException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
