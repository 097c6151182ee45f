using System.Collections.Generic;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Emitters.Vectors;

/// <summary>
/// One row of encoded features as the frame docs/feature-header.md describes: Ethernet (destination
/// 02:00:00:00:00:02, source 02:00:00:00:00:01, both locally administered), EtherType 0x88B5, one
/// big-endian field per feature of <see cref="FeatureEncoding.FieldBits"/>, the <c>result</c> byte,
/// then zeros up to the 60-byte Ethernet minimum (without the frame check sequence).
/// </summary>
public static class FeaturePacket
{
    public const int EthernetBytes = 14;
    public const int MinimumFrameBytes = 60;

    public static readonly byte[] Destination = { 0x02, 0, 0, 0, 0, 0x02 };
    public static readonly byte[] Source = { 0x02, 0, 0, 0, 0, 0x01 };

    /// <summary>Bytes of the feature header (fields and the result byte, or one per model of a schedule).</summary>
    public static int HeaderBytes(ModelFile model)
    {
        int bytes = Results(model);
        foreach (var f in model.Features) bytes += f.FieldBits / 8;
        return bytes;
    }

    /// <summary>Result bytes at the end of the header: one, or one per model of a schedule (docs/schedule.md).</summary>
    public static int Results(ModelFile model) => Schedules.Of(model)?.Models.Count ?? 1;

    /// <summary>Offset of the (last) <c>result</c> byte from the start of the frame.</summary>
    public static int ResultOffset(ModelFile model) => EthernetBytes + HeaderBytes(model) - 1;

    public static byte[] Encode(ModelFile model, IReadOnlyList<long> encoded, byte result) => Encode(model, encoded, new[] { result });

    /// <param name="results">The result bytes, one per <see cref="Results"/>.</param>
    public static byte[] Encode(ModelFile model, IReadOnlyList<long> encoded, IReadOnlyList<byte> results)
    {
        if (results.Count != Results(model)) throw new ArgumentException($"expected {Results(model)} result bytes, got {results.Count}");
        if (encoded.Count != model.Features.Count)
            throw new ArgumentException($"expected {model.Features.Count} encoded features, got {encoded.Count}");
        var frame = new byte[Math.Max(MinimumFrameBytes, EthernetBytes + HeaderBytes(model))];
        Destination.CopyTo(frame, 0);
        Source.CopyTo(frame, 6);
        frame[12] = P4FeatureTransport.EtherType >> 8;
        frame[13] = P4FeatureTransport.EtherType & 0xFF;
        int at = EthernetBytes;
        for (int i = 0; i < encoded.Count; i++)
        {
            int bytes = model.Features[i].FieldBits / 8;
            long value = encoded[i];
            if (value < 0 || (ulong)value >= 1UL << (bytes * 8))
                throw new ArgumentOutOfRangeException(nameof(encoded), $"feature {i}: {value} does not fit its {bytes * 8}-bit field");
            for (int b = bytes - 1; b >= 0; b--) frame[at++] = (byte)(value >> (8 * b));
        }
        for (int r = 0; r < results.Count; r++) frame[at + r] = results[r];
        return frame;
    }

    /// <summary>The encoded fields and the result byte of a feature frame (the inverse of <see cref="Encode(ModelFile, IReadOnlyList{long}, byte)"/>).</summary>
    public static (long[] Encoded, byte Result) Decode(ModelFile model, byte[] frame)
    {
        if (frame.Length < EthernetBytes + HeaderBytes(model)) throw new FormatException("frame shorter than the feature header");
        if ((frame[12] << 8 | frame[13]) != P4FeatureTransport.EtherType) throw new FormatException("not a feature packet (EtherType)");
        var encoded = new long[model.Features.Count];
        int at = EthernetBytes;
        for (int i = 0; i < encoded.Length; i++)
        {
            long value = 0;
            for (int b = 0; b < model.Features[i].FieldBits / 8; b++) value = value << 8 | frame[at++];
            encoded[i] = value;
        }
        return (encoded, frame[at]);
    }
}
