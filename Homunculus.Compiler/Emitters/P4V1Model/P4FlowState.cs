using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Model.Ir;
using Homunculus.Model.Packets;
using Homunculus.Model.Text;

namespace Homunculus.Compiler.Emitters.P4V1Model;

/// <summary>
/// The v1model pieces of a program that keeps per-flow state (docs/flow-features.md): one register array per
/// statistic the features need (plus the fingerprint, the packet count and the last timestamp that decide
/// whether a slot still holds the packet's flow), the key and its two CRC-32 hashes (slot and fingerprint),
/// the update with the saturating, capped integer semantics of <see cref="FlowTable"/>, the flow features'
/// metadata, and the classification point (<c>m.decide</c>).
/// </summary>
public static class P4FlowState
{
    public const string Decide = "m.decide";

    /// <summary>The class a packet gets when the model does not decide for it (before its flow's classification point).</summary>
    public const int NoDecision = 255;

    private const string Saturated = "0xFFFFFFFF";

    private static string I(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Register(string statistic) => "flow_" + statistic;

    /// <summary>The state metadata field holding a statistic while the packet is processed.</summary>
    private static string State(string statistic) => "m.fl_" + statistic;

    private sealed record Stat(string Name, int Bits, string Description);

    /// <summary>The registers a model needs, in declaration order.</summary>
    private static List<Stat> Stats(ModelFile model)
    {
        var flows = model.Features.Select(f => FlowFields.Find(f.Field)).Where(f => f != null).Select(f => f!).ToList();
        bool Uses(FlowStatistic s) => flows.Any(f => f.Statistic == s);
        var stats = new List<Stat>
        {
            new("fp", 32, "fingerprint of the flow in the slot (CRC-32 mod 2^32-1)"),
            new("packets", 32, "packets of the flow (0: empty slot)"),
            new("last", 48, "timestamp of the flow's last packet (microseconds)"),
        };
        if (Uses(FlowStatistic.Bytes)) stats.Add(new("bytes", 32, "sum of packet lengths"));
        if (Uses(FlowStatistic.Duration)) stats.Add(new("first", 48, "timestamp of the flow's first packet"));
        if (Uses(FlowStatistic.MinLength)) stats.Add(new("min_len", 16, "smallest packet length"));
        if (Uses(FlowStatistic.MaxLength)) stats.Add(new("max_len", 16, "largest packet length"));
        if (Uses(FlowStatistic.MeanLength)) stats.Add(new("mean_len", 16, "moving mean of the packet length"));
        if (Uses(FlowStatistic.MinInterArrival)) stats.Add(new("min_iat", 32, "smallest gap between packets"));
        if (Uses(FlowStatistic.MaxInterArrival)) stats.Add(new("max_iat", 32, "largest gap between packets"));
        foreach (var f in FlowFields.All.Where(f => f.Statistic == FlowStatistic.TcpFlagCount && flows.Contains(f)))
            stats.Add(new(f.Register, 32, $"packets with TCP flag 0x{f.TcpFlag:X2}"));
        return stats;
    }

    /// <summary>Whether the parser must reach IPv4/IPv6 and TCP/UDP for the flow key.</summary>
    public static bool NeedsKeyHeaders(ModelFile model) => model.KeepsFlowState;

    public static void WriteMetadata(CodeWriter w, ModelFile model)
    {
        if (!model.KeepsFlowState) return;
        w.Line("// flow state (docs/flow-features.md)");
        w.Line("bit<1> flow_valid;    // the packet has IPv4 or IPv6, so it belongs to a flow");
        w.Line("bit<1> flow_swap;     // bidirectional flows: the endpoints were ordered");
        w.Line("bit<16> flow_sport;   // TCP/UDP ports, 0 without a TCP/UDP header");
        w.Line("bit<16> flow_dport;");
        w.Line("bit<32> flow_a4;      // the key's endpoints (IPv4)");
        w.Line("bit<32> flow_b4;");
        w.Line("bit<128> flow_a6;     // the key's endpoints (IPv6)");
        w.Line("bit<128> flow_b6;");
        w.Line("bit<16> flow_pa;      // the key's ports, in endpoint order");
        w.Line("bit<16> flow_pb;");
        w.Line("bit<32> flow_idx;     // slot: CRC-32 of the key mod the table size");
        w.Line("bit<32> flow_fp;      // fingerprint: CRC-32 of the key mod 2^32-1");
        w.Line("bit<48> flow_now;");
        w.Line("bit<48> flow_gap48;");
        w.Line("bit<32> flow_gap;     // microseconds since the flow's last packet, capped at 2^32-1");
        w.Line("bit<16> flow_len;     // packet length, capped at 65535");
        w.Line("bit<8> flow_flags;    // TCP flags, 0 without TCP");
        w.Line("bit<32> flow_sum;");
        w.Line("bit<1> flow_fresh;    // the packet starts its slot afresh");
        w.Line("bit<1> decide;        // the model decides for this packet");
        foreach (var s in Stats(model)) w.Line($"bit<{s.Bits}> fl_{s.Name};");
        if (model.Features.Any(f => FlowFields.Find(f.Field)?.Statistic == FlowStatistic.Duration)) w.Line("bit<48> flow_dur48;");
    }

    /// <summary>The register arrays, declared in the ingress control.</summary>
    public static void WriteRegisters(CodeWriter w, ModelFile model)
    {
        if (model.Flow is not { } flow) return;
        w.Line($"// flow table: {I(flow.TableSize)} slots, hash-indexed by the {(flow.Bidirectional ? "bidirectional" : "directional")} 5-tuple (docs/flow-features.md)");
        foreach (var s in Stats(model)) w.Line($"register<bit<{s.Bits}>>({I(flow.TableSize)}) {Register(s.Name)};   // {s.Description}");
        w.Line();
    }

    /// <summary>
    /// The flow update, then the flow features' values (0 for a packet in no flow), then <c>m.decide</c>.
    /// Written before the model runs; reads the parsed headers.
    /// </summary>
    public static void WriteUpdate(CodeWriter w, ModelFile model)
    {
        var flow = model.Flow!;
        var stats = Stats(model);
        bool Has(string name) => stats.Any(s => s.Name == name);
        w.Line("// flow key: addresses, protocol, TCP/UDP ports (docs/flow-features.md)");
        w.Line("m.flow_valid = 0;");
        w.Line("m.flow_swap = 0;");
        w.Line("m.flow_sport = 0;");
        w.Line("m.flow_dport = 0;");
        w.Line("if (h.tcp.isValid()) { m.flow_sport = h.tcp.src_port; m.flow_dport = h.tcp.dst_port; }");
        w.Line("else if (h.udp.isValid()) { m.flow_sport = h.udp.src_port; m.flow_dport = h.udp.dst_port; }");
        foreach (var (version, suffix) in new[] { ("ipv4", "4"), ("ipv6", "6") })
        {
            string protocol = version == "ipv4" ? "h.ipv4.protocol" : "h.ipv6.next_header";
            using (w.Block(version == "ipv4" ? "if (h.ipv4.isValid()) {" : "else if (h.ipv6.isValid()) {"))
            {
                w.Line("m.flow_valid = 1;");
                if (flow.Bidirectional)
                {
                    w.Line("// one flow for both directions: the larger endpoint (address, then port) goes second");
                    w.Line($"if (h.{version}.src > h.{version}.dst) {{ m.flow_swap = 1; }}");
                    w.Line($"else if (h.{version}.src == h.{version}.dst) {{ if (m.flow_sport > m.flow_dport) {{ m.flow_swap = 1; }} }}");
                }
                w.Line($"if (m.flow_swap == 1) {{ m.flow_a{suffix} = h.{version}.dst; m.flow_b{suffix} = h.{version}.src; m.flow_pa = m.flow_dport; m.flow_pb = m.flow_sport; }}");
                w.Line($"else {{ m.flow_a{suffix} = h.{version}.src; m.flow_b{suffix} = h.{version}.dst; m.flow_pa = m.flow_sport; m.flow_pb = m.flow_dport; }}");
                string key = $"{{ m.flow_a{suffix}, m.flow_b{suffix}, {protocol}, m.flow_pa, m.flow_pb }}";
                w.Line($"hash(m.flow_idx, HashAlgorithm.crc32, (bit<32>)0, {key}, (bit<32>){I(flow.TableSize)});");
                w.Line($"hash(m.flow_fp, HashAlgorithm.crc32, (bit<32>)0, {key}, (bit<32>){Saturated});");
            }
        }
        using (w.Block("if (m.flow_valid == 1) {"))
        {
            w.Line("m.flow_now = sm.ingress_global_timestamp;");
            w.Line("if (sm.packet_length > 65535) { m.flow_len = 65535; } else { m.flow_len = (bit<16>)sm.packet_length; }");
            w.Line("m.flow_flags = 0;");
            w.Line("if (h.tcp.isValid()) { m.flow_flags = h.tcp.flags; }");
            foreach (var s in stats) w.Line($"{Register(s.Name)}.read({State(s.Name)}, m.flow_idx);");
            w.Line("m.flow_gap48 = m.flow_now - m.fl_last;");
            w.Line($"if (m.flow_gap48 > {Saturated}) {{ m.flow_gap = {Saturated}; }} else {{ m.flow_gap = (bit<32>)m.flow_gap48; }}");
            w.Line("// a new flow when the slot is empty, holds another flow (a collision: the newer flow wins) or timed out");
            w.Line("m.flow_fresh = 0;");
            w.Line("if (m.fl_packets == 0) { m.flow_fresh = 1; }");
            w.Line("if (m.fl_fp != m.flow_fp) { m.flow_fresh = 1; }");
            if (flow.TimeoutMicroseconds > 0) w.Line($"if (m.flow_gap48 > {I(flow.TimeoutMicroseconds)}) {{ m.flow_fresh = 1; }}");
            using (w.Block("if (m.flow_fresh == 1) {"))
            {
                w.Line("m.fl_fp = m.flow_fp;");
                w.Line("m.fl_packets = 1;");
                if (Has("bytes")) w.Line("m.fl_bytes = (bit<32>)m.flow_len;");
                if (Has("first")) w.Line("m.fl_first = m.flow_now;");
                foreach (var n in new[] { "min_len", "max_len", "mean_len" }.Where(Has)) w.Line($"m.fl_{n} = m.flow_len;");
                foreach (var n in new[] { "min_iat", "max_iat" }.Where(Has)) w.Line($"m.fl_{n} = 0;");
                foreach (var f in FlagFields(model))
                    w.Line($"if ((m.flow_flags & 0x{f.TcpFlag:X2}) != 0) {{ m.fl_{f.Register} = 1; }} else {{ m.fl_{f.Register} = 0; }}");
            }
            using (w.Block("else {"))
            {
                if (Has("min_iat") || Has("max_iat"))
                {
                    var first = new List<string>();
                    if (Has("min_iat")) first.Add("m.fl_min_iat = m.flow_gap;");
                    if (Has("max_iat")) first.Add("m.fl_max_iat = m.flow_gap;");
                    w.Line($"if (m.fl_packets == 1) {{ {string.Join(" ", first)} }}");
                    using (w.Block("else {"))
                    {
                        if (Has("min_iat")) w.Line("if (m.flow_gap < m.fl_min_iat) { m.fl_min_iat = m.flow_gap; }");
                        if (Has("max_iat")) w.Line("if (m.flow_gap > m.fl_max_iat) { m.fl_max_iat = m.flow_gap; }");
                    }
                }
                w.Line($"if (m.fl_packets != {Saturated}) {{ m.fl_packets = m.fl_packets + 1; }}");
                if (Has("bytes"))
                {
                    w.Line("m.flow_sum = m.fl_bytes + (bit<32>)m.flow_len;");
                    w.Line($"if (m.flow_sum < m.fl_bytes) {{ m.fl_bytes = {Saturated}; }} else {{ m.fl_bytes = m.flow_sum; }}");
                }
                if (Has("min_len")) w.Line("if (m.flow_len < m.fl_min_len) { m.fl_min_len = m.flow_len; }");
                if (Has("max_len")) w.Line("if (m.flow_len > m.fl_max_len) { m.fl_max_len = m.flow_len; }");
                if (Has("mean_len"))
                {
                    w.Line($"// moving mean: a step of 1/{1 << FlowTable.MeanShift} of the distance, towards the length");
                    w.Line($"if (m.flow_len >= m.fl_mean_len) {{ m.fl_mean_len = m.fl_mean_len + ((m.flow_len - m.fl_mean_len) >> {FlowTable.MeanShift}); }}");
                    w.Line($"else {{ m.fl_mean_len = m.fl_mean_len - ((m.fl_mean_len - m.flow_len) >> {FlowTable.MeanShift}); }}");
                }
                foreach (var f in FlagFields(model))
                    w.Line($"if ((m.flow_flags & 0x{f.TcpFlag:X2}) != 0) {{ if (m.fl_{f.Register} != {Saturated}) {{ m.fl_{f.Register} = m.fl_{f.Register} + 1; }} }}");
            }
            w.Line("m.fl_last = m.flow_now;");
            foreach (var s in stats) w.Line($"{Register(s.Name)}.write(m.flow_idx, {State(s.Name)});");
            if (Has("first"))
            {
                w.Line("m.flow_dur48 = m.fl_last - m.fl_first;");
            }
        }
        w.Line("// flow features (0 for a packet in no flow)");
        foreach (var f in model.Features)
        {
            if (FlowFields.Find(f.Field) is not { } field) continue;
            string target = P4FeatureTransport.FieldRef(f);
            string value = field.Statistic switch
            {
                FlowStatistic.Packets => "m.fl_packets",
                FlowStatistic.Bytes => "m.fl_bytes",
                FlowStatistic.MinLength => "m.fl_min_len",
                FlowStatistic.MaxLength => "m.fl_max_len",
                FlowStatistic.MeanLength => "m.fl_mean_len",
                FlowStatistic.MinInterArrival => "m.fl_min_iat",
                FlowStatistic.MaxInterArrival => "m.fl_max_iat",
                FlowStatistic.Duration => "m.flow_dur48",
                _ => $"m.fl_{field.Register}",
            };
            if (field.Statistic == FlowStatistic.Duration)
                w.Line($"if (m.flow_valid == 0) {{ {target} = 0; }} else if (m.flow_dur48 > {Saturated}) {{ {target} = {Saturated}; }} else {{ {target} = (bit<{f.FieldBits}>)m.flow_dur48; }}");
            else
                w.Line($"if (m.flow_valid == 1) {{ {target} = {(field.Bits == f.FieldBits ? value : $"(bit<{f.FieldBits}>){value}")}; }} else {{ {target} = 0; }}");
        }
        if (flow.ClassifyAt <= 1) w.Line($"{Decide} = 1;   // every packet is classified");
        else
        {
            w.Line($"// the model decides from the flow's packet {I(flow.ClassifyAt)} on; earlier packets get class {NoDecision} (no decision)");
            w.Line($"{Decide} = 0;");
            w.Line($"if (m.flow_valid == 1) {{ if (m.fl_packets >= {I(flow.ClassifyAt)}) {{ {Decide} = 1; }} }}");
        }
    }

    private static IEnumerable<FlowField> FlagFields(ModelFile model) =>
        FlowFields.All.Where(f => f.Statistic == FlowStatistic.TcpFlagCount && model.Features.Any(x => x.Field == f.Name));
}
