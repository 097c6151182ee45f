using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Packets;
using Homunculus.Model.Text;
using E = Homunculus.Model.Packets.PacketFieldExtractor;

namespace Homunculus.Generators
{
    /// <summary>
    /// The stub's <c>FromPacket(ReadOnlySpan&lt;byte&gt;)</c> for a model whose features are packet fields: the
    /// parse of <see cref="PacketFieldExtractor.Parse(byte[], int, int)"/> on a span, statement for statement,
    /// then each field read as <see cref="PacketFieldExtractor.Read"/> does (docs/packet-features.md). The tests
    /// check it bit-exact against the extractor on every packet of the sample captures and on fuzzed frames.
    /// </summary>
    internal sealed class PacketFieldStub
    {
        private readonly CodeWriter _w;
        private readonly ModelFile _model;
        private readonly IReadOnlyList<string> _fields;

        public PacketFieldStub(CodeWriter w, ModelFile model, IReadOnlyList<string> fields)
        {
            _w = w;
            _model = model;
            _fields = fields;
        }

        /// <summary>
        /// Whether a feature reads the switch port the packet arrived on: only then do the methods take an
        /// <c>ingressPort</c> (optional, so a one-argument call stays valid), and other stubs stay as they were.
        /// </summary>
        internal static bool ReadsIngressPort(ModelFile model) =>
            model.Features.Any(f => PacketFields.Find(f.Field)?.Layer == PacketLayer.IngressPort);

        /// <summary>", int ingressPort = 0" for a model that reads the port, else nothing.</summary>
        internal static string PortParameter(ModelFile model) => ReadsIngressPort(model) ? ", int ingressPort = 0" : "";

        /// <summary>", ingressPort" for a model that reads the port, else nothing.</summary>
        internal static string PortArgument(ModelFile model) => ReadsIngressPort(model) ? ", ingressPort" : "";

        private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

        private static string Hex(int value) => "0x" + value.ToString("X4", CultureInfo.InvariantCulture);

        private static string Variable(PacketLayer layer) => layer switch
        {
            PacketLayer.Ipv4 => "ipv4",
            PacketLayer.Ipv6 => "ipv6",
            PacketLayer.Tcp => "tcp",
            PacketLayer.Udp => "udp",
            PacketLayer.Icmp => "icmp",
            _ => "",
        };

        private const string Layout = "int etherType, int ipv4, int ipv6, int tcp, int udp, int icmp";
        private const string LayoutArguments = "etherType, ipv4, ipv6, tcp, udp, icmp";
        private const string LayoutOut = "out int etherType, out int ipv4, out int ipv6, out int tcp, out int udp, out int icmp";

        public void Write()
        {
            _w.Line();
            _w.Line("/// <summary>");
            _w.Line("/// The features of a raw Ethernet frame (no FCS): the packet fields the generated switch program parses, with");
            _w.Line("/// its semantics - one 802.1Q tag, IPv4 options, no IPv6 extension headers, layer 4 of first fragments only; a");
            _w.Line("/// field whose header the frame lacks (or that does not fit in it) is 0. Never throws, allocates nothing.");
            if (_model.KeepsFlowState)
                _w.Line($"/// Flow features are 0 here: <see cref=\"{StubNames.FlowTracker}.{StubNames.Observe}\"/> computes them over a packet stream.");
            if (ReadsIngressPort(_model))
                _w.Line("/// <c>ingressPort</c> is the switch port the frame arrived on, in the switch's numbering (its low 9 bits are read).");
            _w.Line("/// </summary>");
            _w.Line($"public static {StubNames.FeaturesStruct} {StubNames.FromPacket}(global::System.ReadOnlySpan<byte> frame{PortParameter(_model)})");
            _w.Line("{");
            _w.Indent();
            _w.Line($"{StubNames.ParseFrame}(frame, {LayoutOut});");
            _w.Line($"return {StubNames.ReadFields}(frame, {LayoutArguments}{PortArgument(_model)});");
            _w.Outdent();
            _w.Line("}");
            WriteParseFrame();
            WriteReadFields();
            if (_model.KeepsFlowState) new FlowTrackerStub(_w, _model, _fields).Write();
        }

        /// <summary>Where the headers start (-1: absent), as the switch's parser finds them.</summary>
        private void WriteParseFrame()
        {
            _w.Line();
            _w.Line($"private static void {StubNames.ParseFrame}(global::System.ReadOnlySpan<byte> frame, {LayoutOut})");
            _w.Line("{");
            _w.Indent();
            _w.Line("int length = frame.Length;");
            _w.Line("etherType = 0; ipv4 = -1; ipv6 = -1; tcp = -1; udp = -1; icmp = -1;");
            _w.Line($"if (length >= {I(E.EthernetBytes)})");
            using (_w.Block("{"))
            {
                _w.Line("etherType = (frame[12] << 8) | frame[13];");
                _w.Line($"int pos = {I(E.EthernetBytes)};");
                _w.Line($"if (etherType == {Hex(E.EtherTypeVlan)} && length >= pos + {I(E.VlanBytes)})");
                using (_w.Block("{"))
                {
                    _w.Line("etherType = (frame[pos + 2] << 8) | frame[pos + 3];");
                    _w.Line($"pos += {I(E.VlanBytes)};");
                }
                _w.Line("int protocol = -1, l4 = 0;");
                _w.Line("bool icmpProtocol = false;");
                _w.Line($"if (etherType == {Hex(E.EtherTypeIpv4)} && length >= pos + {I(E.Ipv4Bytes)})");
                using (_w.Block("{"))
                {
                    _w.Line("ipv4 = pos;");
                    _w.Line("int ihl = frame[pos] & 0x0F;");
                    _w.Line("int fragmentOffset = ((frame[pos + 6] << 8) | frame[pos + 7]) & 0x1FFF;");
                    _w.Line("if (ihl >= 5 && length >= pos + ihl * 4 && fragmentOffset == 0)");
                    using (_w.Block("{"))
                    {
                        _w.Line("protocol = frame[pos + 9];");
                        _w.Line($"icmpProtocol = protocol == {I(E.ProtocolIcmp)};");
                        _w.Line("l4 = pos + ihl * 4;");
                    }
                }
                _w.Line($"else if (etherType == {Hex(E.EtherTypeIpv6)} && length >= pos + {I(E.Ipv6Bytes)})");
                using (_w.Block("{"))
                {
                    _w.Line("ipv6 = pos;");
                    _w.Line("protocol = frame[pos + 6];");
                    _w.Line($"icmpProtocol = protocol == {I(E.NextHeaderIcmpv6)};");
                    _w.Line($"l4 = pos + {I(E.Ipv6Bytes)};");
                }
                _w.Line($"if (protocol == {I(E.ProtocolTcp)} && length >= l4 + {I(E.TcpBytes)}) tcp = l4;");
                _w.Line($"else if (protocol == {I(E.ProtocolUdp)} && length >= l4 + {I(E.UdpBytes)}) udp = l4;");
                _w.Line($"else if (icmpProtocol && length >= l4 + {I(E.IcmpBytes)}) icmp = l4;");
            }
            _w.Outdent();
            _w.Line("}");
        }

        /// <summary>The packet-field features of a parsed frame (flow features stay 0).</summary>
        private void WriteReadFields()
        {
            var packetFields = _model.Features.Select(f => PacketFields.Find(f.Field)).ToList();
            _w.Line();
            _w.Line($"private static {StubNames.FeaturesStruct} {StubNames.ReadFields}(global::System.ReadOnlySpan<byte> frame, {Layout}{(ReadsIngressPort(_model) ? ", int ingressPort" : "")})");
            _w.Line("{");
            _w.Indent();
            _w.Line("int length = frame.Length;");
            _w.Line($"{StubNames.FeaturesStruct} features = default;");
            for (int f = 0; f < _model.Features.Count; f++)
            {
                var field = packetFields[f];
                if (field == null) continue;
                string target = $"features.{_fields[f]}";
                _w.Line($"// {Escaping.Comment(field.Name)}: {Escaping.Comment(field.Description)}");
                switch (field.Layer)
                {
                    case PacketLayer.Frame:
                        _w.Line($"{target} = length < {I((int)field.Mask)} ? length : {I((int)field.Mask)};");
                        break;
                    case PacketLayer.Ethernet:
                        _w.Line($"{target} = etherType;");
                        break;
                    case PacketLayer.IngressPort:
                        _w.Line($"{target} = ingressPort & {I((int)field.Mask)};");
                        break;
                    default:
                        string v = Variable(field.Layer);
                        string raw = field.Bytes == 1
                            ? $"frame[{v} + {I(field.ByteOffset)}]"
                            : $"((frame[{v} + {I(field.ByteOffset)}] << 8) | frame[{v} + {I(field.ByteOffset + 1)}])";
                        string value = field.Shift == 0 ? raw : $"({raw} >> {I(field.Shift)})";
                        _w.Line($"{target} = {v} < 0 ? 0L : ({value} & {I((int)field.Mask)});");
                        break;
                }
            }
            _w.Line("return features;");
            _w.Outdent();
            _w.Line("}");
        }
    }
}
