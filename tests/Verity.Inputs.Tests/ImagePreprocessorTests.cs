using System.Security.Cryptography;
using SkiaSharp;

namespace Verity.Inputs.Tests;

public class ImagePreprocessorTests
{
    /// <summary>Encodes an RGBA image made by <paramref name="pixel"/> (x, y) with SkiaSharp.</summary>
    private static byte[] Encode(int width, int height, Func<int, int, SKColor> pixel,
        SKEncodedImageFormat format = SKEncodedImageFormat.Png, int quality = 100)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, pixel(x, y));
            }
        }
        using var data = bitmap.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>A busy pattern, so that any resampling error changes the digest.</summary>
    private static SKColor Pattern(int x, int y) =>
        new((byte)((x * 31 + y * 17) & 255), (byte)((x * x * 3 + y * 7) & 255), (byte)(((x ^ y) * 5) & 255));

    private static string Digest(float[] planes) =>
        Convert.ToHexStringLower(SHA256.HashData(planes.Select(v => checked((byte)v)).ToArray()));

    private static (float R, float G, float B) At(float[] planes, int size, int x, int y) =>
        (planes[y * size + x], planes[size * size + y * size + x], planes[2 * size * size + y * size + x]);

    // Expected digests: torchvision CenterCrop(size)(Resize(size)(image)) with Pillow 9.4's bilinear filter, on the same
    // pattern built by Image.frombytes("RGB", (w, h), bytes of ((x*31+y*17)&255, (x*x*3+y*7)&255, ((x^y)*5)&255)).
    [Theory]
    [InlineData(97, 61, 32, "bd0f4c41d46aa1c7fdc85899ce83267d20fa48d894c13492f245b2c22954d56b")]
    [InlineData(45, 130, 40, "f6ca3f3634dc6430e79b496feabb132ae5c74f3ff16b906d433e6416c63f3305")]
    [InlineData(20, 15, 32, "fbabfae411c40e6fe9c2d69ee55bbf7141974ddc3afed30beb3dc6ee418b0cb0")]
    [InlineData(224, 224, 224, "3d84d5636ffa5a194eaa639de28acb6d0d883ef8c05d425e3fa7f2cc74b60299")]
    [InlineData(640, 480, 224, "ec621dbd9554e209f1ea4939531b75d35c1c5f6c845bec4a29c374e91afcb267")]
    public void Matches_torchvision_with_pillow_bit_for_bit(int width, int height, int size, string expected)
    {
        var planes = ImagePreprocessor.LoadRgbPlanar(Encode(width, height, Pattern), size);
        Assert.Equal(3 * size * size, planes.Length);
        Assert.Equal(expected, Digest(planes));
    }

    [Theory]
    [InlineData(640, 480, 224, 298, 224, 37, 0)]
    [InlineData(480, 640, 224, 224, 298, 0, 37)]
    [InlineData(45, 130, 40, 40, 115, 0, 38)] // (115 - 40) / 2 = 37.5 rounds half to even
    [InlineData(130, 45, 40, 115, 40, 38, 0)]
    [InlineData(50, 50, 224, 224, 224, 0, 0)]
    public void Resizes_the_shorter_side_and_centers_the_crop(int width, int height, int size,
        int resizedWidth, int resizedHeight, int left, int top)
    {
        Assert.Equal((resizedWidth, resizedHeight), ImagePreprocessor.ResizedSize(width, height, size));
        Assert.Equal(left, ImagePreprocessor.CropOffset(resizedWidth, size));
        Assert.Equal(top, ImagePreprocessor.CropOffset(resizedHeight, size));
    }

    [Fact]
    public void Crops_the_center_of_a_landscape_image()
    {
        // 300x100: red | green | blue thirds. Shorter side 100 -> 100: no resize; the 100x100 crop is the green third.
        var png = Encode(300, 100, (x, _) => x < 100 ? SKColors.Red : x < 200 ? SKColors.Lime : SKColors.Blue);
        var planes = ImagePreprocessor.LoadRgbPlanar(png, 100);
        Assert.All(planes[..10000], r => Assert.Equal(0f, r));
        Assert.All(planes[10000..20000], g => Assert.Equal(255f, g));
        Assert.All(planes[20000..], b => Assert.Equal(0f, b));
    }

    [Fact]
    public void Crops_the_center_of_a_portrait_image_after_downscaling()
    {
        // 120x480 with a red top quarter and blue bottom quarter -> 30x120, crop rows 45..74: all green.
        var png = Encode(120, 480, (_, y) => y < 120 ? SKColors.Red : y < 360 ? SKColors.Lime : SKColors.Blue);
        var planes = ImagePreprocessor.LoadRgbPlanar(png, 30);
        Assert.Equal((0f, 255f, 0f), At(planes, 30, 0, 0));
        Assert.Equal((0f, 255f, 0f), At(planes, 30, 29, 29));
        Assert.Equal((0f, 255f, 0f), At(planes, 30, 15, 15));
    }

    [Fact]
    public void Writes_planes_in_r_g_b_order_and_ignores_alpha()
    {
        var planes = ImagePreprocessor.LoadRgbPlanar(Encode(8, 8, (_, _) => new SKColor(200, 100, 50, 128)), 4);
        Assert.Equal(48, planes.Length);
        Assert.All(planes[..16], v => Assert.Equal(200f, v));
        Assert.All(planes[16..32], v => Assert.Equal(100f, v));
        Assert.All(planes[32..], v => Assert.Equal(50f, v));
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Jpeg)]
    [InlineData(SKEncodedImageFormat.Webp)]
    [InlineData(SKEncodedImageFormat.Png)]
    public void Decodes_encoded_formats(SKEncodedImageFormat format)
    {
        var planes = ImagePreprocessor.LoadRgbPlanar(Encode(64, 48, (_, _) => new SKColor(30, 140, 220), format), 16);
        var (r, g, b) = At(planes, 16, 8, 8);
        Assert.InRange(r, 25, 35);
        Assert.InRange(g, 135, 145);
        Assert.InRange(b, 215, 225);
    }

    [Fact]
    public void Decodes_gif_and_bmp()
    {
        // A 1x1 GIF whose only pixel is palette entry 0, red.
        byte[] gif = [.. "GIF89a"u8, 1, 0, 1, 0, 0x80, 0, 0, 255, 0, 0, 0, 0, 255, 0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3B];
        Assert.All(ImagePreprocessor.LoadRgbPlanar(gif, 2), (v, i) => Assert.Equal(i < 4 ? 255f : 0f, v));

        // A 2x1 24-bit BMP (rows bottom-up, pixels BGR, rows padded to 4 bytes): blue, green.
        byte[] bmp = [(byte)'B', (byte)'M', 62, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 24, 0,
            0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0];
        Assert.Equal([0f, 0f, 255f], ImagePreprocessor.LoadRgbPlanar(bmp, 1)); // crop offset round(0.5) = 0: blue
    }

    [Fact]
    public void Rejects_a_text_file_naming_its_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"not-an-image-{Guid.NewGuid():N}.jpg");
        File.WriteAllText(path, "This is a text file, not a photograph.\n");
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => ImagePreprocessor.LoadRgbPlanar(path));
            Assert.Equal($"not an image: {path}", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Rejects_sentences_txt()
    {
        var path = TestData.PathOf("sentences.txt");
        var error = Assert.Throws<InvalidDataException>(() => ImagePreprocessor.LoadRgbPlanar(path));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Rejects_empty_and_truncated_bytes()
    {
        Assert.Throws<InvalidDataException>(() => ImagePreprocessor.LoadRgbPlanar(ReadOnlySpan<byte>.Empty));
        var jpeg = Encode(64, 64, Pattern, SKEncodedImageFormat.Jpeg, 90);
        var error = Assert.Throws<InvalidDataException>(() => ImagePreprocessor.LoadRgbPlanar(jpeg.AsSpan(0, jpeg.Length / 2)));
        Assert.StartsWith("not an image: ", error.Message);
    }

    [Fact]
    public void Reports_a_missing_file_by_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.png");
        var error = Assert.Throws<FileNotFoundException>(() => ImagePreprocessor.LoadRgbPlanar(path));
        Assert.Equal(path, error.FileName);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Rejects_a_size_below_one() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ImagePreprocessor.LoadRgbPlanar(Encode(4, 4, Pattern), 0));
}
