using System;
using System.Collections.Generic;
using System.Linq;

namespace Homunculus.Model.Packets
{
    /// <summary>The protocol header a <see cref="PacketField"/> lives in.</summary>
    public enum PacketLayer
    {
        /// <summary>The frame as a whole (its length).</summary>
        Frame,
        Ethernet,
        Ipv4,
        Ipv6,
        Tcp,
        Udp,
        /// <summary>ICMP (IPv4 protocol 1) or ICMPv6 (IPv6 next header 58): the first 4 bytes.</summary>
        Icmp,
        /// <summary>
        /// Not in the frame: the switch port the packet arrived on, which the switch knows and a capture does not
        /// (the training data declares it per capture, docs/packet-features.md).
        /// </summary>
        IngressPort,
    }

    /// <summary>
    /// One standard header field a <c>field</c> feature reads (docs/packet-features.md). The value is the
    /// unsigned big-endian integer of <see cref="Bytes"/> bytes at <see cref="ByteOffset"/> from the start of
    /// the layer's header, shifted right by <see cref="Shift"/> and masked to <see cref="Bits"/> bits; it is
    /// <see cref="PacketFieldExtractor.Default"/> (0) when the packet lacks the layer. <see cref="PacketLayer.Frame"/>
    /// and <see cref="PacketLayer.IngressPort"/> fields are not read from bytes (the frame's length, the arrival port).
    /// </summary>
    public sealed class PacketField
    {
        internal PacketField(string name, PacketLayer layer, int byteOffset, int bytes, int shift, int bits, string p4Field, string description)
        {
            Name = name;
            Layer = layer;
            ByteOffset = byteOffset;
            Bytes = bytes;
            Shift = shift;
            Bits = bits;
            P4Field = p4Field;
            Description = description;
        }

        /// <summary>The name written in the .hspec and recorded in the model file ("ipv4.ttl").</summary>
        public string Name { get; }

        public PacketLayer Layer { get; }

        public int ByteOffset { get; }

        public int Bytes { get; }

        public int Shift { get; }

        /// <summary>Width of the value (1..16).</summary>
        public int Bits { get; }

        public long Mask => (1L << Bits) - 1;

        /// <summary>The field of the generated P4 header that holds the value (its header follows from <see cref="Layer"/>).</summary>
        public string P4Field { get; }

        public string Description { get; }
    }

    /// <summary>The catalogue of packet fields a <c>field</c> feature can read.</summary>
    public static class PacketFields
    {
        private static readonly PacketField[] Catalogue =
        {
            new PacketField("packet.length", PacketLayer.Frame, 0, 0, 0, 16, "packet_length", "length of the frame in bytes (no FCS), at most 65535"),
            new PacketField("eth.type", PacketLayer.Ethernet, 12, 2, 0, 16, "ether_type", "EtherType; behind one 802.1Q tag, the tag's (inner) EtherType"),
            new PacketField("ipv4.ihl", PacketLayer.Ipv4, 0, 1, 0, 4, "ihl", "IPv4 header length in 32-bit words"),
            new PacketField("ipv4.dscp", PacketLayer.Ipv4, 1, 1, 2, 6, "dscp", "IPv4 differentiated services code point"),
            new PacketField("ipv4.ecn", PacketLayer.Ipv4, 1, 1, 0, 2, "ecn", "IPv4 explicit congestion notification"),
            new PacketField("ipv4.totalLength", PacketLayer.Ipv4, 2, 2, 0, 16, "total_len", "IPv4 total length"),
            new PacketField("ipv4.flags", PacketLayer.Ipv4, 6, 1, 5, 3, "flags", "IPv4 flags (reserved, DF, MF)"),
            new PacketField("ipv4.ttl", PacketLayer.Ipv4, 8, 1, 0, 8, "ttl", "IPv4 time to live"),
            new PacketField("ipv4.protocol", PacketLayer.Ipv4, 9, 1, 0, 8, "protocol", "IPv4 protocol"),
            new PacketField("ipv6.trafficClass", PacketLayer.Ipv6, 0, 2, 4, 8, "traffic_class", "IPv6 traffic class"),
            new PacketField("ipv6.payloadLength", PacketLayer.Ipv6, 4, 2, 0, 16, "payload_len", "IPv6 payload length"),
            new PacketField("ipv6.nextHeader", PacketLayer.Ipv6, 6, 1, 0, 8, "next_header", "IPv6 next header (of the fixed header; extension headers are not walked)"),
            new PacketField("ipv6.hopLimit", PacketLayer.Ipv6, 7, 1, 0, 8, "hop_limit", "IPv6 hop limit"),
            new PacketField("tcp.srcPort", PacketLayer.Tcp, 0, 2, 0, 16, "src_port", "TCP source port"),
            new PacketField("tcp.dstPort", PacketLayer.Tcp, 2, 2, 0, 16, "dst_port", "TCP destination port"),
            new PacketField("tcp.dataOffset", PacketLayer.Tcp, 12, 1, 4, 4, "data_offset", "TCP header length in 32-bit words"),
            new PacketField("tcp.flags", PacketLayer.Tcp, 13, 1, 0, 8, "flags", "TCP flags CWR ECE URG ACK PSH RST SYN FIN (bit 7..0; NS is not included)"),
            new PacketField("tcp.window", PacketLayer.Tcp, 14, 2, 0, 16, "window", "TCP window (unscaled)"),
            new PacketField("udp.srcPort", PacketLayer.Udp, 0, 2, 0, 16, "src_port", "UDP source port"),
            new PacketField("udp.dstPort", PacketLayer.Udp, 2, 2, 0, 16, "dst_port", "UDP destination port"),
            new PacketField("udp.length", PacketLayer.Udp, 4, 2, 0, 16, "length", "UDP length"),
            new PacketField("icmp.type", PacketLayer.Icmp, 0, 1, 0, 8, "icmp_type", "ICMP or ICMPv6 type"),
            new PacketField("icmp.code", PacketLayer.Icmp, 1, 1, 0, 8, "icmp_code", "ICMP or ICMPv6 code"),
            new PacketField("ingress.port", PacketLayer.IngressPort, 0, 0, 0, 9, "ingress_port", "the switch port the packet arrived on (9 bits, the switch's numbering)"),
        };

        private static readonly Dictionary<string, PacketField> ByName = Catalogue.ToDictionary(f => f.Name, StringComparer.Ordinal);

        /// <summary>Every field, in catalogue order.</summary>
        public static IReadOnlyList<PacketField> All { get; } = Array.AsReadOnly(Catalogue);

        public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(Catalogue.Select(f => f.Name).ToArray());

        /// <summary>The field of that exact (case-sensitive) name, else null.</summary>
        public static PacketField? Find(string? name) => name != null && ByName.TryGetValue(name, out var field) ? field : null;

        /// <summary>The catalogue name closest to <paramref name="name"/> (edit distance, case-insensitive), for "did you mean".</summary>
        public static string? Suggest(string name)
        {
            string? best = null;
            int bestDistance = int.MaxValue;
            foreach (var candidate in Names)
            {
                int d = Distance(name.ToLowerInvariant(), candidate.ToLowerInvariant());
                if (d < bestDistance) { bestDistance = d; best = candidate; }
            }
            return bestDistance <= Math.Max(2, name.Length / 3) ? best : null;
        }

        private static int Distance(string a, string b)
        {
            var previous = new int[b.Length + 1];
            var current = new int[b.Length + 1];
            for (int j = 0; j <= b.Length; j++) previous[j] = j;
            for (int i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (int j = 1; j <= b.Length; j++)
                    current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                (previous, current) = (current, previous);
            }
            return previous[b.Length];
        }
    }
}
