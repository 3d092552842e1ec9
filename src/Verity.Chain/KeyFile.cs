using Nethereum.KeyStore;
using Nethereum.KeyStore.Model;
using Nethereum.Signer;

namespace Verity.Chain;

/// <summary>
/// Keys in Web3 secret-storage files (version 3: scrypt + AES-128-CTR), the format geth, Nethereum and wallets read.
/// Recovery (docs/NODE.md, Keys): the file plus its password is the key; <see cref="Export"/> gives the raw key for
/// an offline backup, and <see cref="Create"/> with that key writes a new file under a new password.
/// </summary>
public static class KeyFile
{
    /// <summary>Writes a new key file for <paramref name="key"/> (a fresh random key when null) encrypted with
    /// <paramref name="password"/>; refuses to overwrite a file. Returns the key's address.</summary>
    public static Address Create(string path, string password, EthECKey? key = null, ScryptParams? scrypt = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        if (File.Exists(path))
            throw new ArgumentException($"key file {path} exists; refusing to overwrite it");
        key ??= EthECKey.GenerateKey();
        var service = new KeyStoreScryptService();
        var address = key.GetPublicAddress();
        string json = service.EncryptAndGenerateKeyStoreAsJson(password, key.GetPrivateKeyAsBytes(), address,
            scrypt ?? new ScryptParams { N = 262144, R = 8, P = 1, Dklen = 32 });
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, json);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(tmp, path); // all or nothing: a crash never leaves half a key file
        return Address.Parse(address);
    }

    /// <summary>Decrypts a key file. A wrong password or a damaged file is an <see cref="InvalidDataException"/>
    /// naming the file.</summary>
    public static EthECKey Open(string path, string password)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"key file {path} not found", path);
        byte[] secret;
        try
        {
            secret = new KeyStoreService().DecryptKeyStoreFromJson(password, File.ReadAllText(path));
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new InvalidDataException($"cannot decrypt key file {path}: wrong password or not a Web3 secret-storage file ({e.GetType().Name})");
        }
        return new EthECKey(secret, true);
    }

    /// <summary>The raw private key (0x + 64 hex digits), for an offline backup.</summary>
    public static string Export(string path, string password) => "0x" + Convert.ToHexStringLower(Open(path, password).GetPrivateKeyAsBytes());

    /// <summary>A key from 0x + 64 hex digits.</summary>
    public static EthECKey ParsePrivateKey(string text)
    {
        var t = text.Trim();
        var digits = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? t[2..] : t;
        if (digits.Length != 64 || !digits.All(char.IsAsciiHexDigit))
            throw new FormatException($"a private key is 64 hex digits, got {digits.Length} characters");
        return new EthECKey(Convert.FromHexString(digits), true);
    }

    /// <summary>The password in a file: its first line, which must not be empty.</summary>
    public static string ReadPassword(string passwordFile)
    {
        if (!File.Exists(passwordFile))
            throw new FileNotFoundException($"password file {passwordFile} not found", passwordFile);
        var line = File.ReadLines(passwordFile).FirstOrDefault() ?? "";
        return line.Length == 0 ? throw new ArgumentException($"password file {passwordFile} is empty") : line;
    }
}
