using System;
using System.Collections.Generic;
using System.Linq;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Packets;
using Homunculus.Model.Text;

namespace Homunculus.Compiler.Emitters.P4V1Model;

/// <summary>
/// The P4 pieces of a program whose features are standard packet fields (docs/packet-features.md): the
/// standard headers (Ethernet, one 802.1Q tag, IPv4 with options, IPv6, TCP, UDP, ICMP), a parser that
/// extracts what the features need with the semantics of <see cref="PacketFieldExtractor"/>, and the reads
/// of the fields into metadata (<c>m.f_&lt;name&gt;</c>, 0 when the packet lacks the header). The model then
/// runs on the metadata exactly as on feature header fields, and the class goes into <c>m.result</c>.
/// </summary>
public static class P4PacketFields
{
    public const string ResultRef = "m.result";

    /// <summary>IPv4 option words: IHL 6..15 extracts 1..10 32-bit words.</summary>
    public const int MaxOptionWords = 10;

    private sealed record Needs(bool Vlan, bool Ipv4, bool Ipv4L4, bool Ipv6, bool Tcp, bool Udp, bool Icmp);

    private static Needs NeedsOf(ModelFile model)
    {
        var layers = model.Features.Select(f => PacketFields.Find(f.Field)).Where(f => f != null).Select(f => f!.Layer).ToHashSet();
        // The flow key needs addresses and ports: IPv4, IPv6, TCP and UDP (docs/flow-features.md).
        if (model.KeepsFlowState) layers.UnionWith(new[] { PacketLayer.Ipv4, PacketLayer.Ipv6, PacketLayer.Tcp, PacketLayer.Udp });
        // A DSCP action rewrites the IP header (docs/actions.md).
        if (P4Actions.RewritesIp(model)) layers.UnionWith(new[] { PacketLayer.Ipv4, PacketLayer.Ipv6 });
        bool tcp = layers.Contains(PacketLayer.Tcp), udp = layers.Contains(PacketLayer.Udp), icmp = layers.Contains(PacketLayer.Icmp);
        bool l4 = tcp || udp || icmp;
        bool any = layers.Any(l => l is not (PacketLayer.Frame or PacketLayer.IngressPort));
        return new Needs(any, layers.Contains(PacketLayer.Ipv4) || l4, l4, layers.Contains(PacketLayer.Ipv6) || l4, tcp, udp, icmp);
    }

    /// <summary>The header instance (<c>h.&lt;instance&gt;</c>) that holds a layer's fields.</summary>
    internal static string Instance(PacketLayer layer) => layer switch
    {
        PacketLayer.Ethernet => "eth",
        PacketLayer.Ipv4 => "ipv4",
        PacketLayer.Ipv6 => "ipv6",
        PacketLayer.Tcp => "tcp",
        PacketLayer.Udp => "udp",
        PacketLayer.Icmp => "icmp",
        _ => throw new ArgumentOutOfRangeException(nameof(layer)),
    };

    private static string Option(int word) => $"ipv4_opt{word}";

    /// <summary>The standard headers the features need and the headers struct.</summary>
    public static void WriteHeaders(CodeWriter w, ModelFile model)
    {
        var n = NeedsOf(model);
        w.Line("// Standard headers, parsed as far as the features need (docs/packet-features.md).");
        if (n.Vlan) w.Line($"const bit<16> ETHERTYPE_VLAN = 0x{PacketFieldExtractor.EtherTypeVlan:X4};");
        if (n.Ipv4) w.Line($"const bit<16> ETHERTYPE_IPV4 = 0x{PacketFieldExtractor.EtherTypeIpv4:X4};");
        if (n.Ipv6) w.Line($"const bit<16> ETHERTYPE_IPV6 = 0x{PacketFieldExtractor.EtherTypeIpv6:X4};");
        w.Line();
        w.Line($"header {P4FeatureTransport.EthernetType} {{ bit<48> dst; bit<48> src; bit<16> ether_type; }}");
        if (n.Vlan) w.Line("header vlan_t { bit<3> pcp; bit<1> dei; bit<12> vid; bit<16> ether_type; }");
        if (n.Ipv4)
        {
            w.Line("header ipv4_t {");
            w.Line("    bit<4> version; bit<4> ihl; bit<6> dscp; bit<2> ecn; bit<16> total_len; bit<16> identification;");
            w.Line("    bit<3> flags; bit<13> frag_offset; bit<8> ttl; bit<8> protocol; bit<16> checksum; bit<32> src; bit<32> dst;");
            w.Line("}");
            if (n.Ipv4L4) w.Line("header ipv4_option_t { bit<32> word; }   // one 32-bit word of IPv4 options");
        }
        if (n.Ipv6)
        {
            w.Line("header ipv6_t {");
            w.Line("    bit<4> version; bit<8> traffic_class; bit<20> flow_label; bit<16> payload_len; bit<8> next_header; bit<8> hop_limit;");
            w.Line("    bit<128> src; bit<128> dst;");
            w.Line("}");
        }
        if (n.Tcp)
        {
            w.Line("header tcp_t {");
            w.Line("    bit<16> src_port; bit<16> dst_port; bit<32> seq; bit<32> ack; bit<4> data_offset; bit<4> reserved; bit<8> flags;");
            w.Line("    bit<16> window; bit<16> checksum; bit<16> urgent;");
            w.Line("}");
        }
        if (n.Udp) w.Line("header udp_t { bit<16> src_port; bit<16> dst_port; bit<16> length; bit<16> checksum; }");
        if (n.Icmp) w.Line("header icmp_t { bit<8> icmp_type; bit<8> icmp_code; bit<16> checksum; }   // ICMP or ICMPv6");
        w.Line();
        var members = new List<string> { $"{P4FeatureTransport.EthernetType} eth;" };
        if (n.Vlan) members.Add("vlan_t vlan;");
        if (n.Ipv4) members.Add("ipv4_t ipv4;");
        if (n.Ipv4L4) for (int k = MaxOptionWords; k >= 1; k--) members.Add($"ipv4_option_t {Option(k)};");
        if (n.Ipv6) members.Add("ipv6_t ipv6;");
        if (n.Tcp) members.Add("tcp_t tcp;");
        if (n.Udp) members.Add("udp_t udp;");
        if (n.Icmp) members.Add("icmp_t icmp;");
        using (w.Block($"struct {P4FeatureTransport.HeadersType} {{"))
        {
            foreach (var m in members) w.Line(m);
        }
    }

    /// <summary>The metadata fields: one per feature (the model's input, as the header field would be) and the result.</summary>
    public static void WriteMetadata(CodeWriter w, ModelFile model)
    {
        for (int i = 0; i < model.Features.Count; i++)
        {
            var f = model.Features[i];
            string source = FlowFields.Find(f.Field) is null ? "packet field" : "flow field";
            w.Line($"bit<{f.FieldBits}> {P4FeatureTransport.FieldName(f)};   // feature {i}: {source} {Escaping.Comment(f.Field ?? "")}");
        }
        if (Schedules.Of(model) is { } schedule)
        {
            var results = P4FeatureTransport.ResultFields(model);
            for (int m = 0; m < results.Count; m++)
                w.Line($"bit<{P4FeatureTransport.ResultBits}> {results[m]};   // the class index of model '{Escaping.Comment(schedule.Models[m].Name)}' (255: it did not run)");
        }
        else w.Line($"bit<{P4FeatureTransport.ResultBits}> result;   // the class index the model computed");
        P4FlowState.WriteMetadata(w, model);
    }

    /// <param name="firstState">The state that extracts Ethernet: <c>start</c> on v1model; a TNA ingress parser
    /// reaches it after its own start state has taken the intrinsic metadata.</param>
    public static void WriteParserStates(CodeWriter w, ModelFile model, string firstState = "start")
    {
        var n = NeedsOf(model);
        var l3 = new List<string>();
        if (n.Ipv4) l3.Add("ETHERTYPE_IPV4: parse_ipv4;");
        if (n.Ipv6) l3.Add("ETHERTYPE_IPV6: parse_ipv6;");
        using (w.Block($"state {firstState} {{"))
        {
            w.Line("pkt.extract(h.eth);");
            if (!n.Vlan) w.Line("transition accept;");
            else Select(w, "h.eth.ether_type", new[] { "ETHERTYPE_VLAN: parse_vlan;" }.Concat(l3));
        }
        if (n.Vlan)
        {
            using (w.Block("state parse_vlan {"))
            {
                w.Line("pkt.extract(h.vlan);   // one 802.1Q tag");
                if (l3.Count == 0) w.Line("transition accept;");
                else Select(w, "h.vlan.ether_type", l3);
            }
        }
        var l4 = new List<(int Protocol, string State)>();
        if (n.Icmp) l4.Add((PacketFieldExtractor.ProtocolIcmp, "parse_icmp"));
        if (n.Tcp) l4.Add((PacketFieldExtractor.ProtocolTcp, "parse_tcp"));
        if (n.Udp) l4.Add((PacketFieldExtractor.ProtocolUdp, "parse_udp"));
        if (n.Ipv4)
        {
            using (w.Block("state parse_ipv4 {"))
            {
                w.Line("pkt.extract(h.ipv4);");
                if (!n.Ipv4L4) w.Line("transition accept;");
                else
                {
                    w.Line("// options: IHL 6..15 = 1..10 words before layer 4; IHL below 5 is malformed: no layer 4");
                    Select(w, "h.ipv4.ihl", new[] { "5: parse_ipv4_l4;" }.Concat(Enumerable.Range(1, MaxOptionWords).Select(k => $"{5 + k}: parse_{Option(k)};")));
                }
            }
            if (n.Ipv4L4)
            {
                for (int k = MaxOptionWords; k >= 1; k--)
                    w.Line($"state parse_{Option(k)} {{ pkt.extract(h.{Option(k)}); transition {(k == 1 ? "parse_ipv4_l4" : "parse_" + Option(k - 1))}; }}");
                using (w.Block("state parse_ipv4_l4 {"))
                {
                    w.Line("// only the first fragment carries the layer-4 header");
                    Select(w, "h.ipv4.frag_offset", new[] { "0: parse_ipv4_protocol;" });
                }
                using (w.Block("state parse_ipv4_protocol {"))
                {
                    Select(w, "h.ipv4.protocol", l4.Select(p => $"{p.Protocol}: {p.State};"));
                }
            }
        }
        if (n.Ipv6)
        {
            using (w.Block("state parse_ipv6 {"))
            {
                w.Line("pkt.extract(h.ipv6);");
                if (l4.Count == 0) w.Line("transition accept;");
                else
                {
                    w.Line("// the fixed header's next header only: extension headers are not walked");
                    Select(w, "h.ipv6.next_header", l4.Select(p => $"{(p.State == "parse_icmp" ? PacketFieldExtractor.NextHeaderIcmpv6 : p.Protocol)}: {p.State};"));
                }
            }
        }
        if (n.Icmp) w.Line("state parse_icmp { pkt.extract(h.icmp); transition accept; }");
        if (n.Tcp) w.Line("state parse_tcp { pkt.extract(h.tcp); transition accept; }");
        if (n.Udp) w.Line("state parse_udp { pkt.extract(h.udp); transition accept; }");
    }

    private static void Select(CodeWriter w, string key, IEnumerable<string> cases)
    {
        using (w.Block($"transition select({key}) {{"))
        {
            foreach (var c in cases) w.Line(c);
            w.Line("default: accept;");
        }
    }

    /// <summary>The deparser's emits: every header in wire order (invalid ones are not emitted).</summary>
    public static void WriteEmits(CodeWriter w, ModelFile model)
    {
        foreach (var name in HeaderInstances(model)) w.Line($"pkt.emit(h.{name});");
    }

    /// <summary>The header instances the program declares and may parse, in wire order.</summary>
    public static IReadOnlyList<string> HeaderInstances(ModelFile model)
    {
        var n = NeedsOf(model);
        var names = new List<string> { "eth" };
        if (n.Vlan) names.Add("vlan");
        if (n.Ipv4) names.Add("ipv4");
        if (n.Ipv4L4) for (int k = MaxOptionWords; k >= 1; k--) names.Add(Option(k));
        if (n.Ipv6) names.Add("ipv6");
        if (n.Tcp) names.Add("tcp");
        if (n.Udp) names.Add("udp");
        if (n.Icmp) names.Add("icmp");
        return names;
    }

    /// <summary>Reads every feature's packet field into its metadata field (0 when the packet lacks the header).</summary>
    public static void WriteFieldReads(CodeWriter w, ModelFile model)
    {
        if (model.KeepsFlowState) P4FlowState.WriteUpdate(w, model);
        w.Line("// packet fields -> the model's inputs; a field whose header the packet lacks reads 0 (docs/packet-features.md)");
        foreach (var f in model.Features)
        {
            if (PacketFields.Find(f.Field) is not { } field) continue;   // a flow field: set by the flow update
            string target = P4FeatureTransport.FieldRef(f);
            string Cast(int bits, string value) => bits == f.FieldBits ? value : $"(bit<{f.FieldBits}>){value}";
            switch (field.Layer)
            {
                case PacketLayer.Frame:
                    w.Line($"if (sm.packet_length > {field.Mask}) {{ {target} = {field.Mask}; }} else {{ {target} = (bit<{f.FieldBits}>)sm.packet_length; }}");
                    break;
                case PacketLayer.IngressPort:
                    w.Line($"{target} = {Cast(field.Bits, "sm.ingress_port")};");
                    break;
                case PacketLayer.Ethernet when field.Name == "eth.type":
                    w.Line($"if (h.vlan.isValid()) {{ {target} = h.vlan.ether_type; }} else if (h.eth.isValid()) {{ {target} = h.eth.ether_type; }} else {{ {target} = 0; }}");
                    break;
                default:
                    string header = Instance(field.Layer);
                    w.Line($"if (h.{header}.isValid()) {{ {target} = {Cast(field.Bits, $"h.{header}.{field.P4Field}")}; }} else {{ {target} = 0; }}");
                    break;
            }
        }
    }
}
