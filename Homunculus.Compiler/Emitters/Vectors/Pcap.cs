using System.Buffers.Binary;
using System.Collections.Generic;

namespace Homunculus.Compiler.Emitters.Vectors;

/// <summary>
/// Classic libpcap capture files, written by hand (docs/ARCHITECTURE.md says why no library): a 24-byte
/// global header (magic 0xA1B2C3D4 in little-endian byte order, version 2.4, time zone 0, accuracy 0,
/// snap length 65535, link type 1 = Ethernet) and, per frame, a 16-byte record header (seconds,
/// microseconds, captured length, original length) followed by the frame's bytes.
/// </summary>
public static class Pcap
{
    public const uint Magic = 0xA1B2C3D4;
    public const ushort VersionMajor = 2;
    public const ushort VersionMinor = 4;
    public const int SnapLength = 65535;
    public const int LinkTypeEthernet = 1;
    public const int GlobalHeaderBytes = 24;
    public const int RecordHeaderBytes = 16;

    /// <summary>A frame and its capture time (seconds and microseconds since the epoch).</summary>
    public readonly record struct Record(uint Seconds, uint Microseconds, byte[] Frame);

    public static byte[] Write(IReadOnlyList<Record> records)
    {
        long size = GlobalHeaderBytes;
        foreach (var r in records) size += RecordHeaderBytes + r.Frame.Length;
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], VersionMajor);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], VersionMinor);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], 0);    // thiszone
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], 0);  // sigfigs
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], SnapLength);
        BinaryPrimitives.WriteInt32LittleEndian(span[20..], LinkTypeEthernet);
        int at = GlobalHeaderBytes;
        foreach (var r in records)
        {
            if (r.Frame.Length > SnapLength) throw new ArgumentException($"a frame of {r.Frame.Length} bytes exceeds the snap length");
            BinaryPrimitives.WriteUInt32LittleEndian(span[at..], r.Seconds);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 4)..], r.Microseconds);
            BinaryPrimitives.WriteInt32LittleEndian(span[(at + 8)..], r.Frame.Length);
            BinaryPrimitives.WriteInt32LittleEndian(span[(at + 12)..], r.Frame.Length);
            r.Frame.CopyTo(span[(at + RecordHeaderBytes)..]);
            at += RecordHeaderBytes + r.Frame.Length;
        }
        return bytes;
    }

    /// <summary>Reads a classic pcap file (either byte order, microsecond magic only) back into records.</summary>
    public static IReadOnlyList<Record> Read(byte[] file)
    {
        var span = file.AsSpan();
        if (span.Length < GlobalHeaderBytes) throw new FormatException("shorter than a pcap global header");
        bool little = BinaryPrimitives.ReadUInt32LittleEndian(span) == Magic;
        if (!little && BinaryPrimitives.ReadUInt32BigEndian(span) != Magic) throw new FormatException("not a classic (microsecond) pcap file");
        uint U32(int offset) => little ? BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset)) : BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset));
        if (U32(20) != LinkTypeEthernet) throw new FormatException($"link type {U32(20)} is not Ethernet");
        var records = new List<Record>();
        int at = GlobalHeaderBytes;
        while (at < span.Length)
        {
            if (at + RecordHeaderBytes > span.Length) throw new FormatException($"truncated record header at byte {at}");
            uint captured = U32(at + 8);
            if (at + RecordHeaderBytes + captured > span.Length) throw new FormatException($"truncated frame at byte {at}");
            records.Add(new Record(U32(at), U32(at + 4), span.Slice(at + RecordHeaderBytes, (int)captured).ToArray()));
            at += RecordHeaderBytes + (int)captured;
        }
        return records;
    }
}
