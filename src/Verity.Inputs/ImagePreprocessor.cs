using SkiaSharp;

namespace Verity.Inputs;

/// <summary>Turns a photo into ResNet input: shorter side resized to size, center crop, planar RGB floats 0..255.</summary>
/// <remarks>
/// Same pixels as torchvision's <c>CenterCrop(size)(Resize(size)(Image.open(path).convert("RGB")))</c> with Pillow's
/// default bilinear filter, given the same decoded pixels:
/// <list type="bullet">
/// <item>SkiaSharp decodes the first frame (JPEG, PNG, WebP, GIF, BMP) to unpremultiplied RGBA without colour
/// management or EXIF rotation, as Pillow does; alpha is ignored.</item>
/// <item>The shorter side becomes <c>size</c> and the longer one <c>floor(size * long / short)</c>; the crop starts at
/// <c>round((resized - size) / 2)</c>, halves to even.</item>
/// <item>Resampling is <see cref="PillowBilinear"/>: Pillow's antialiased bilinear filter in its fixed-point
/// arithmetic, so the result does not depend on the CPU or on Skia's own resampling.</item>
/// </list>
/// Output is float[3 * size * size]: the R plane, then G, then B, each row by row.
/// </remarks>
public static class ImagePreprocessor
{
    /// <summary>ResNet's input side.</summary>
    public const int DefaultSize = 224;

    /// <summary>Reads, decodes and preprocesses the image file at <paramref name="path"/>.</summary>
    public static float[] LoadRgbPlanar(string path, int size = DefaultSize)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"image not found: {path}", path);
        }
        return Preprocess(File.ReadAllBytes(path), size, path);
    }

    /// <summary>Decodes and preprocesses an encoded image held in memory.</summary>
    public static float[] LoadRgbPlanar(ReadOnlySpan<byte> encoded, int size = DefaultSize) =>
        Preprocess(encoded, size, $"{encoded.Length} bytes in memory");

    private static float[] Preprocess(ReadOnlySpan<byte> encoded, int size, string source)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var (rgba, width, height) = Decode(encoded, source);
        var (resizedWidth, resizedHeight) = ResizedSize(width, height, size);
        var left = CropOffset(resizedWidth, size);
        var top = CropOffset(resizedHeight, size);
        var rgb = PillowBilinear.ResizeRegion(rgba, width, height, resizedWidth, resizedHeight, left, top, size, size);

        var planes = new float[3 * size * size];
        var plane = size * size;
        for (var i = 0; i < plane; i++)
        {
            planes[i] = rgb[3 * i];
            planes[plane + i] = rgb[3 * i + 1];
            planes[2 * plane + i] = rgb[3 * i + 2];
        }
        return planes;
    }

    /// <summary>torchvision's Resize(int): the shorter side becomes <paramref name="size"/>, the longer one keeps the ratio, rounded down.</summary>
    internal static (int Width, int Height) ResizedSize(int width, int height, int size)
    {
        var (shorter, longer) = width <= height ? (width, height) : (height, width);
        var newLonger = (int)((double)((long)size * longer) / shorter);
        return width <= height ? (size, newLonger) : (newLonger, size);
    }

    /// <summary>torchvision's CenterCrop offset: round((length - size) / 2) with Python's half-to-even rounding.</summary>
    internal static int CropOffset(int length, int size) => (int)Math.Round((length - size) / 2.0, MidpointRounding.ToEven);

    private static unsafe (byte[] Rgba, int Width, int Height) Decode(ReadOnlySpan<byte> encoded, string source)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new InvalidDataException($"not an image: {source}");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[checked(info.Width * info.Height * 4)];
        fixed (byte* pixels = rgba)
        {
            var result = codec.GetPixels(info, (IntPtr)pixels);
            if (result != SKCodecResult.Success)
            {
                throw new InvalidDataException($"not an image: {source} ({info.Width}x{info.Height} {codec.EncodedFormat}: {result})");
            }
        }
        return (rgba, info.Width, info.Height);
    }
}
