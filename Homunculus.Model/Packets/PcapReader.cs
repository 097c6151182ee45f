using System;
using System.Collections.Generic;

namespace Homunculus.Model.Packets
{
    /// <summary>One captured frame: where its bytes sit in the file, and its original (wire) length.</summary>
    public readonly struct PcapFrame
    {
        public PcapFrame(int index, int offset, int capturedLength, int originalLength, long timestampMicroseconds = 0)
        {
            Index = index;
            Offset = offset;
            CapturedLength = capturedLength;
            OriginalLength = originalLength;
            TimestampMicroseconds = timestampMicroseconds;
        }

        /// <summary>0-based position of the frame in the file.</summary>
        public int Index { get; }
        /// <summary>Byte offset of the frame's first byte in the file.</summary>
        public int Offset { get; }
        public int CapturedLength { get; }
        public int OriginalLength { get; }
        /// <summary>Capture time in microseconds since the epoch (nanosecond captures are truncated to microseconds).</summary>
        public long TimestampMicroseconds { get; }
    }

    /// <summary>
    /// Classic libpcap files: magic 0xA1B2C3D4 (microseconds) or 0xA1B23C4D (nanoseconds), in either byte
    /// order; link type 1 (Ethernet) only. pcapng is not read. Frames are returned as positions in the file's
    /// bytes (no copies).
    /// </summary>
    public static class PcapReader
    {
        public const int GlobalHeaderBytes = 24;
        public const int RecordHeaderBytes = 16;
        public const uint MagicMicroseconds = 0xA1B2C3D4;
        public const uint MagicNanoseconds = 0xA1B23C4D;
        public const uint MagicPcapng = 0x0A0D0D0A;
        public const int LinkTypeEthernet = 1;

        /// <summary>The frames of a capture file, or null with <paramref name="error"/> saying why it cannot be read.</summary>
        public static IReadOnlyList<PcapFrame>? TryRead(byte[] file, out string? error)
        {
            error = null;
            if (file.Length < GlobalHeaderBytes)
            {
                error = $"it has {file.Length} bytes, fewer than a pcap file header (24)";
                return null;
            }
            uint magic = U32(file, 0, little: true);
            bool little;
            if (magic == MagicMicroseconds || magic == MagicNanoseconds) little = true;
            else if (U32(file, 0, little: false) is uint big && (big == MagicMicroseconds || big == MagicNanoseconds)) little = false;
            else
            {
                error = magic == MagicPcapng
                    ? "it is a pcapng file; save it as classic pcap (e.g. editcap -F pcap in.pcapng out.pcap)"
                    : $"it does not start with a pcap magic number (found 0x{magic:X8})";
                return null;
            }
            uint linkType = U32(file, 20, little);
            if (linkType != LinkTypeEthernet)
            {
                error = $"its link type is {linkType}, not Ethernet (1)";
                return null;
            }
            bool nanoseconds = U32(file, 0, little) == MagicNanoseconds;
            var frames = new List<PcapFrame>();
            int at = GlobalHeaderBytes;
            while (at < file.Length)
            {
                if (file.Length - at < RecordHeaderBytes)
                {
                    error = $"frame {frames.Count + 1}: the record header at byte {at} is truncated";
                    return null;
                }
                uint captured = U32(file, at + 8, little);
                uint original = U32(file, at + 12, little);
                if (captured > (uint)(file.Length - at - RecordHeaderBytes))
                {
                    error = $"frame {frames.Count + 1}: {captured} bytes announced at byte {at}, but the file ends after {file.Length - at - RecordHeaderBytes}";
                    return null;
                }
                long seconds = U32(file, at, little);
                long fraction = U32(file, at + 4, little);
                long micros = seconds * 1_000_000 + (nanoseconds ? fraction / 1000 : fraction);
                frames.Add(new PcapFrame(frames.Count, at + RecordHeaderBytes, (int)captured, (int)Math.Min(original, int.MaxValue), micros));
                at += RecordHeaderBytes + (int)captured;
            }
            return frames;
        }

        /// <summary>The 6 bytes of a MAC address written "aa:bb:cc:dd:ee:ff" or "aa-bb-..." (case-insensitive), else null.</summary>
        public static byte[]? ParseMac(string? text)
        {
            if (text == null) return null;
            var parts = text.Trim().Split(':', '-');
            if (parts.Length != 6) return null;
            var mac = new byte[6];
            for (int i = 0; i < 6; i++)
            {
                if (parts[i].Length != 2 || !byte.TryParse(parts[i], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out mac[i]))
                    return null;
            }
            return mac;
        }

        /// <summary>
        /// The bytes of an IPv4 address in dotted-quad form (4 bytes: four decimal numbers 0..255, no leading zeros,
        /// which some readers take as octal) or of an IPv6 address in RFC 4291 text form (16 bytes), else null.
        /// </summary>
        public static byte[]? ParseIp(string? text)
        {
            if (text == null) return null;
            text = text.Trim();
            if (text.IndexOf(':') < 0)
            {
                var parts = text.Split('.');
                if (parts.Length != 4) return null;
                var address = new byte[4];
                for (int i = 0; i < 4; i++)
                {
                    string part = parts[i];
                    if (part.Length == 0 || part.Length > 3 || (part.Length > 1 && part[0] == '0')) return null;
                    int value = 0;
                    foreach (char c in part)
                    {
                        if (c < '0' || c > '9') return null;
                        value = value * 10 + (c - '0');
                    }
                    if (value > 255) return null;
                    address[i] = (byte)value;
                }
                return address;
            }
            // A zone index, brackets or a prefix length name no address a packet carries.
            if (text.IndexOfAny(new[] { '%', '[', ']', '/' }) >= 0) return null;
            return System.Net.IPAddress.TryParse(text, out var parsed) && parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? parsed.GetAddressBytes()
                : null;
        }

        private static uint U32(byte[] b, int at, bool little) => little
            ? (uint)(b[at] | b[at + 1] << 8 | b[at + 2] << 16 | b[at + 3] << 24)
            : (uint)(b[at] << 24 | b[at + 1] << 16 | b[at + 2] << 8 | b[at + 3]);
    }
}
