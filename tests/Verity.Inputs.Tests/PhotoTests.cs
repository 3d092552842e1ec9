using System.Security.Cryptography;

namespace Verity.Inputs.Tests;

/// <summary>A fact about the benchmark photos; skipped, saying why, until scripts/fetch-images.sh has put them in .cache/images.</summary>
public sealed class PhotoFactAttribute : FactAttribute
{
    public PhotoFactAttribute()
    {
        if (PhotoTests.Root is null)
        {
            Skip = "no photos in .cache/images: run scripts/fetch-images.sh";
        }
    }
}

public class PhotoTests
{
    /// <summary>.cache/images of the repository that holds this test run, or null when fetch-images.sh has not run.</summary>
    internal static readonly string? Root = FindRoot();

    [PhotoFact]
    public void Every_photo_matches_pillow_bit_for_bit()
    {
        var expected = TestData.Lines("pillow-photo-digests.txt")
            .Where(line => !line.StartsWith('#'))
            .Select(line => line.Split(' '))
            .ToDictionary(parts => parts[0], parts => parts[1]);
        var photos = Directory.GetFiles(Root!, "*.jpg", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Root!, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), photos);
        Assert.Equal(16, photos.Count(p => p.StartsWith("calib/", StringComparison.Ordinal)));

        var mismatches = new List<string>();
        foreach (var photo in photos)
        {
            var planes = ImagePreprocessor.LoadRgbPlanar(Path.Combine(Root!, photo));
            Assert.Equal(3 * 224 * 224, planes.Length);
            var digest = Convert.ToHexStringLower(SHA256.HashData(planes.Select(v => checked((byte)v)).ToArray()));
            if (digest != expected[photo])
            {
                mismatches.Add($"{photo}: {digest}, Pillow {expected[photo]}");
            }
        }
        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
    }

    [PhotoFact]
    public void A_photo_is_a_varied_image()
    {
        var photo = Path.Combine(Root!, "calib", "palapeli-citrus-fruits.jpg");
        var planes = ImagePreprocessor.LoadRgbPlanar(photo);
        Assert.All(planes, v => Assert.InRange(v, 0f, 255f));
        Assert.True(planes.Distinct().Count() > 200, "expected a photo's range of values");
        var plane = 224 * 224;
        Assert.True(planes[..plane].Average() > planes[(2 * plane)..].Average(), "oranges are redder than blue");
    }

    private static string? FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var images = Path.Combine(dir.FullName, ".cache", "images");
            if (Directory.Exists(Path.Combine(images, "test")))
            {
                return images;
            }
        }
        return null;
    }
}
