using System;
using System.Collections.Generic;

namespace Homunculus.Model.Packets
{
    /// <summary>
    /// Where the headers of one frame start (-1: the frame lacks the header), as the generated switch
    /// parser finds them. See <see cref="PacketFieldExtractor"/> for the rules.
    /// </summary>
    public readonly struct PacketLayout
    {
        public PacketLayout(int length, int ethernet, int etherType, int ipv4, int ipv6, int tcp, int udp, int icmp)
        {
            Length = length;
            Ethernet = ethernet;
            EtherType = etherType;
            Ipv4 = ipv4;
            Ipv6 = ipv6;
            Tcp = tcp;
            Udp = udp;
            Icmp = icmp;
        }

        public int Length { get; }
        public int Ethernet { get; }
        /// <summary>The EtherType of the last Ethernet or 802.1Q header parsed (0 without Ethernet).</summary>
        public int EtherType { get; }
        public int Ipv4 { get; }
        public int Ipv6 { get; }
        public int Tcp { get; }
        public int Udp { get; }
        public int Icmp { get; }

        public int Offset(PacketLayer layer)
        {
            switch (layer)
            {
                case PacketLayer.Frame: return 0;
                case PacketLayer.Ethernet: return Ethernet;
                case PacketLayer.Ipv4: return Ipv4;
                case PacketLayer.Ipv6: return Ipv6;
                case PacketLayer.Tcp: return Tcp;
                case PacketLayer.Udp: return Udp;
                case PacketLayer.Icmp: return Icmp;
                default: return -1;
            }
        }
    }

    /// <summary>
    /// The reference semantics of <c>field</c> features: the single truth that the compiler uses to turn
    /// captured frames into training rows, that the generated P4 parser implements, and that the C# stub's
    /// <c>FromPacket</c> copies (docs/packet-features.md). Never throws on any input; a header the frame
    /// lacks (or that does not fit in it) gives <see cref="Default"/> for its fields.
    /// <list type="number">
    /// <item>Ethernet: the frame has at least 14 bytes. EtherType = bytes 12-13.</item>
    /// <item>802.1Q: EtherType 0x8100 and 4 more bytes: the EtherType becomes the tag's (one tag only; a
    /// tag that does not fit leaves 0x8100 and nothing further is parsed).</item>
    /// <item>IPv4: EtherType 0x0800 and 20 bytes (the version field is not checked). Its layer-4 header
    /// follows the options (IHL x 4 bytes) when IHL &gt;= 5, the options fit, and the fragment offset is 0.</item>
    /// <item>IPv6: EtherType 0x86DD and 40 bytes; layer 4 is the fixed header's next header (extension
    /// headers are not walked: behind one, the layer-4 fields take their defaults).</item>
    /// <item>TCP (protocol 6, 20 bytes), UDP (17, 8 bytes), ICMP (IPv4 protocol 1 or IPv6 next header 58, 4 bytes).</item>
    /// </list>
    /// </summary>
    public static class PacketFieldExtractor
    {
        /// <summary>The value of a field whose header the packet lacks.</summary>
        public const long Default = 0;

        public const int EthernetBytes = 14;
        public const int VlanBytes = 4;
        public const int Ipv4Bytes = 20;
        public const int Ipv6Bytes = 40;
        public const int TcpBytes = 20;
        public const int UdpBytes = 8;
        public const int IcmpBytes = 4;

        public const int EtherTypeVlan = 0x8100;
        public const int EtherTypeIpv4 = 0x0800;
        public const int EtherTypeIpv6 = 0x86DD;
        public const int ProtocolIcmp = 1;
        public const int ProtocolTcp = 6;
        public const int ProtocolUdp = 17;
        public const int NextHeaderIcmpv6 = 58;

        public static PacketLayout Parse(byte[] frame) => Parse(frame, 0, frame?.Length ?? 0);

        /// <summary>The layout of the <paramref name="length"/> bytes of <paramref name="frame"/> at <paramref name="offset"/>.</summary>
        public static PacketLayout Parse(byte[] frame, int offset, int length)
        {
            if (frame == null || offset < 0 || length < 0 || offset > frame.Length || length > frame.Length - offset)
                return new PacketLayout(Math.Max(0, length), -1, 0, -1, -1, -1, -1, -1);
            int ethernet = -1, etherType = 0, ipv4 = -1, ipv6 = -1, tcp = -1, udp = -1, icmp = -1;
            if (length >= EthernetBytes)
            {
                ethernet = 0;
                etherType = U16(frame, offset + 12);
                int pos = EthernetBytes;
                if (etherType == EtherTypeVlan && length >= pos + VlanBytes)
                {
                    etherType = U16(frame, offset + pos + 2);
                    pos += VlanBytes;
                }
                int protocol = -1, l4 = 0;
                bool icmpProtocol = false;
                if (etherType == EtherTypeIpv4 && length >= pos + Ipv4Bytes)
                {
                    ipv4 = pos;
                    int ihl = frame[offset + pos] & 0x0F;
                    int fragmentOffset = U16(frame, offset + pos + 6) & 0x1FFF;
                    if (ihl >= 5 && length >= pos + ihl * 4 && fragmentOffset == 0)
                    {
                        protocol = frame[offset + pos + 9];
                        icmpProtocol = protocol == ProtocolIcmp;
                        l4 = pos + ihl * 4;
                    }
                }
                else if (etherType == EtherTypeIpv6 && length >= pos + Ipv6Bytes)
                {
                    ipv6 = pos;
                    protocol = frame[offset + pos + 6];
                    icmpProtocol = protocol == NextHeaderIcmpv6;
                    l4 = pos + Ipv6Bytes;
                }
                if (protocol == ProtocolTcp && length >= l4 + TcpBytes) tcp = l4;
                else if (protocol == ProtocolUdp && length >= l4 + UdpBytes) udp = l4;
                else if (icmpProtocol && length >= l4 + IcmpBytes) icmp = l4;
            }
            return new PacketLayout(length, ethernet, etherType, ipv4, ipv6, tcp, udp, icmp);
        }

        /// <summary>The value of <paramref name="field"/> in a frame parsed as <paramref name="layout"/> that arrived on <paramref name="ingressPort"/>.</summary>
        /// <param name="ingressPort">The switch port of <c>ingress.port</c>; its low 9 bits, as the switch's port field holds them.</param>
        public static long Read(PacketField field, PacketLayout layout, byte[] frame, int offset, int ingressPort = 0)
        {
            if (field.Layer == PacketLayer.Frame) return Math.Min(layout.Length, 0xFFFF);
            if (field.Layer == PacketLayer.IngressPort) return ingressPort & field.Mask;
            int start = layout.Offset(field.Layer);
            if (start < 0) return Default;
            if (field.Layer == PacketLayer.Ethernet && field.Name == "eth.type") return layout.EtherType;
            long raw = 0;
            for (int i = 0; i < field.Bytes; i++) raw = (raw << 8) | frame[offset + start + field.ByteOffset + i];
            return (raw >> field.Shift) & field.Mask;
        }

        /// <summary>The values of <paramref name="fields"/> (in order) for one frame.</summary>
        public static long[] Extract(IReadOnlyList<PacketField> fields, byte[] frame) => Extract(fields, frame, 0, frame?.Length ?? 0);

        public static long[] Extract(IReadOnlyList<PacketField> fields, byte[] frame, int offset, int length) => Extract(fields, frame, offset, length, 0);

        /// <summary>The values of <paramref name="fields"/> for one frame that arrived on switch port <paramref name="ingressPort"/>.</summary>
        public static long[] Extract(IReadOnlyList<PacketField> fields, byte[] frame, int offset, int length, int ingressPort)
        {
            var layout = Parse(frame, offset, length);
            var values = new long[fields.Count];
            for (int i = 0; i < fields.Count; i++) values[i] = Read(fields[i], layout, frame!, offset, ingressPort);
            return values;
        }

        private static int U16(byte[] bytes, int at) => (bytes[at] << 8) | bytes[at + 1];
    }
}
