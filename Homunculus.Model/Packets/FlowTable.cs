using System;
using System.Collections.Generic;
using Homunculus.Model.Ir;

namespace Homunculus.Model.Packets
{
    /// <summary>The state of one slot of the flow table: what the switch's registers hold at one index.</summary>
    public sealed class FlowState
    {
        public uint Fingerprint;
        public uint Packets;
        public uint Bytes;
        /// <summary>Timestamps in microseconds, modulo 2^48 (the width of the switch's clock).</summary>
        public long First;
        public long Last;
        public int MinLength;
        public int MaxLength;
        public int MeanLength;
        public uint MinInterArrival;
        public uint MaxInterArrival;
        /// <summary>Per TCP flag bit 0..5 (FIN, SYN, RST, PSH, ACK, URG): packets with it set.</summary>
        public readonly uint[] FlagCounts = new uint[FlowTable.CountedFlags];

        public FlowState Clone()
        {
            var copy = (FlowState)MemberwiseClone();
            Array.Copy(FlagCounts, copy.FlagCounts, FlagCounts.Length);
            return copy;
        }
    }

    /// <summary>
    /// The reference semantics of flow features (docs/flow-features.md): the single truth the compiler uses to
    /// turn captures into training rows, that the generated P4 implements in registers, and that the C# stub's
    /// flow tracker copies. One table per traffic source (a switch, a capture file), fed every packet in order.
    /// <list type="number">
    /// <item>Key: IPv4 or IPv6 (as <see cref="PacketFieldExtractor"/> parses them): source and destination
    /// address, protocol (IPv4 protocol, IPv6 next header), and the TCP or UDP ports (0 without a TCP/UDP
    /// header). Bidirectional: the endpoint (address, port) that is larger (address first, then port) goes
    /// second. Packets without IPv4/IPv6 belong to no flow: their flow values are 0 and they are not counted.</item>
    /// <item>Hash: the standard CRC-32 (BMv2's crc32) of the key's bytes, big-endian, in the order
    /// address, address, protocol, port, port. Slot = crc mod size; fingerprint = crc mod (2^32 - 1).</item>
    /// <item>A packet starts its slot afresh when the slot is empty (0 packets), holds another fingerprint (a
    /// collision: the newer flow wins), or the gap since the slot's last packet exceeds the timeout.</item>
    /// <item>Update: counts and sums saturate at 2^32-1; lengths are packet.length; gaps and the duration are
    /// microseconds modulo 2^48, then capped at 2^32-1; the mean moves by |length - mean| &gt;&gt; 3 towards the length.</item>
    /// </list>
    /// </summary>
    public sealed class FlowTable
    {
        public const int CountedFlags = 6;
        public const long ClockMask = (1L << 48) - 1;
        public const uint Saturated = uint.MaxValue;
        public const int MeanShift = 3;

        private readonly FlowSettings _settings;
        private readonly Dictionary<long, FlowState> _slots = new Dictionary<long, FlowState>();

        public FlowTable(FlowSettings settings)
        {
            _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        }

        public FlowSettings Settings => _settings;

        /// <summary>
        /// Counts one packet (a frame of <paramref name="length"/> bytes at <paramref name="offset"/>, seen at
        /// <paramref name="timestampMicroseconds"/>) and returns its flow's state afterwards (a copy), or null
        /// when the packet belongs to no flow.
        /// </summary>
        public FlowState? Observe(byte[] frame, int offset, int length, long timestampMicroseconds)
        {
            var layout = PacketFieldExtractor.Parse(frame, offset, length);
            var key = FlowKey.Of(layout, frame, offset, _settings.Bidirectional);
            if (key is null) return null;
            uint crc = Crc32.Compute(key);
            long index = crc % (uint)_settings.TableSize;
            uint fingerprint = (uint)(crc % 0xFFFFFFFFu);
            long ts = timestampMicroseconds & ClockMask;
            int packetLength = (int)Math.Min(layout.Length, 0xFFFF);
            int flags = layout.Tcp >= 0 ? frame[offset + layout.Tcp + 13] : 0;

            if (!_slots.TryGetValue(index, out var s)) _slots[index] = s = new FlowState();
            bool fresh = s.Packets == 0 || s.Fingerprint != fingerprint
                || (_settings.TimeoutMicroseconds > 0 && ((ts - s.Last) & ClockMask) > _settings.TimeoutMicroseconds);
            if (fresh)
            {
                s.Fingerprint = fingerprint;
                s.Packets = 1;
                s.Bytes = (uint)packetLength;
                s.First = ts;
                s.MinLength = s.MaxLength = s.MeanLength = packetLength;
                s.MinInterArrival = s.MaxInterArrival = 0;
                for (int b = 0; b < CountedFlags; b++) s.FlagCounts[b] = (uint)((flags >> b) & 1);
            }
            else
            {
                uint gap = Cap((ts - s.Last) & ClockMask);
                if (s.Packets == 1) s.MinInterArrival = s.MaxInterArrival = gap;
                else
                {
                    if (gap < s.MinInterArrival) s.MinInterArrival = gap;
                    if (gap > s.MaxInterArrival) s.MaxInterArrival = gap;
                }
                if (s.Packets != Saturated) s.Packets++;
                s.Bytes = s.Bytes > Saturated - (uint)packetLength ? Saturated : s.Bytes + (uint)packetLength;
                if (packetLength < s.MinLength) s.MinLength = packetLength;
                if (packetLength > s.MaxLength) s.MaxLength = packetLength;
                if (packetLength >= s.MeanLength) s.MeanLength += (packetLength - s.MeanLength) >> MeanShift;
                else s.MeanLength -= (s.MeanLength - packetLength) >> MeanShift;
                for (int b = 0; b < CountedFlags; b++)
                    if (((flags >> b) & 1) != 0 && s.FlagCounts[b] != Saturated) s.FlagCounts[b]++;
            }
            s.Last = ts;
            return s.Clone();
        }

        /// <summary>The value of <paramref name="field"/> for a packet whose flow is <paramref name="state"/> (null: no flow, 0).</summary>
        public static long Value(FlowField field, FlowState? state)
        {
            if (state is null) return 0;
            switch (field.Statistic)
            {
                case FlowStatistic.Packets: return state.Packets;
                case FlowStatistic.Bytes: return state.Bytes;
                case FlowStatistic.MinLength: return state.MinLength;
                case FlowStatistic.MaxLength: return state.MaxLength;
                case FlowStatistic.MeanLength: return state.MeanLength;
                case FlowStatistic.MinInterArrival: return state.MinInterArrival;
                case FlowStatistic.MaxInterArrival: return state.MaxInterArrival;
                case FlowStatistic.Duration: return Cap((state.Last - state.First) & ClockMask);
                case FlowStatistic.TcpFlagCount: return state.FlagCounts[FlagBit(field.TcpFlag)];
                default: throw new ArgumentOutOfRangeException(nameof(field));
            }
        }

        /// <summary>The bit position (0..5) of a single TCP flag mask.</summary>
        public static int FlagBit(int flagMask)
        {
            for (int b = 0; b < CountedFlags; b++)
                if (flagMask == 1 << b) return b;
            throw new ArgumentOutOfRangeException(nameof(flagMask));
        }

        /// <summary>Whether the model decides for a packet whose flow is <paramref name="state"/>.</summary>
        public bool Classifies(FlowState? state) => _settings.ClassifyAt <= 1 || (state != null && state.Packets >= (uint)_settings.ClassifyAt);

        private static uint Cap(long value) => value > Saturated ? Saturated : (uint)value;
    }

    /// <summary>The bytes of a packet's flow key (docs/flow-features.md), the input of the flow hash.</summary>
    public static class FlowKey
    {
        public const int Ipv4Bytes = 13;
        public const int Ipv6Bytes = 37;

        /// <summary>The key bytes, or null when the packet has neither IPv4 nor IPv6.</summary>
        public static byte[]? Of(PacketLayout layout, byte[] frame, int offset, bool bidirectional)
        {
            int addressBytes, ip, sourceAt, protocolAt;
            if (layout.Ipv4 >= 0) { ip = layout.Ipv4; addressBytes = 4; sourceAt = 12; protocolAt = 9; }
            else if (layout.Ipv6 >= 0) { ip = layout.Ipv6; addressBytes = 16; sourceAt = 8; protocolAt = 6; }
            else return null;
            int l4 = layout.Tcp >= 0 ? layout.Tcp : layout.Udp;
            int sourcePort = l4 >= 0 ? (frame[offset + l4] << 8) | frame[offset + l4 + 1] : 0;
            int destinationPort = l4 >= 0 ? (frame[offset + l4 + 2] << 8) | frame[offset + l4 + 3] : 0;
            int source = offset + ip + sourceAt, destination = source + addressBytes;

            bool swap = false;
            if (bidirectional)
            {
                int order = Compare(frame, source, destination, addressBytes);
                swap = order > 0 || (order == 0 && sourcePort > destinationPort);
            }
            var key = new byte[2 * addressBytes + 5];
            Array.Copy(frame, swap ? destination : source, key, 0, addressBytes);
            Array.Copy(frame, swap ? source : destination, key, addressBytes, addressBytes);
            key[2 * addressBytes] = frame[offset + ip + protocolAt];
            int first = swap ? destinationPort : sourcePort, second = swap ? sourcePort : destinationPort;
            key[2 * addressBytes + 1] = (byte)(first >> 8);
            key[2 * addressBytes + 2] = (byte)first;
            key[2 * addressBytes + 3] = (byte)(second >> 8);
            key[2 * addressBytes + 4] = (byte)second;
            return key;
        }

        private static int Compare(byte[] frame, int a, int b, int length)
        {
            for (int i = 0; i < length; i++)
                if (frame[a + i] != frame[b + i]) return frame[a + i] < frame[b + i] ? -1 : 1;
            return 0;
        }
    }

    /// <summary>
    /// The standard CRC-32 (polynomial 0x04C11DB7 reflected, initial and final value 0xFFFFFFFF): BMv2's
    /// <c>HashAlgorithm.crc32</c>. Bitwise on purpose: the generated C# carries the same few lines, so host code
    /// needs no package to hash flows the way the switch does.
    /// </summary>
    public static class Crc32
    {
        public static uint Compute(byte[] data)
        {
            uint crc = 0xFFFFFFFFu;
            foreach (byte b in data)
            {
                crc ^= b;
                for (int i = 0; i < 8; i++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
            return ~crc;
        }
    }
}
