using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Model.Ir;
using Homunculus.Model.Packets;
using Homunculus.Model.Text;

namespace Homunculus.Compiler.Emitters.Tna;

/// <summary>
/// A header field a <see cref="TnaReadField"/> may copy: valid when <paramref name="Header"/> (<c>h.ipv4</c>) is;
/// a null header means intrinsic metadata, which every packet has (<c>ig_md.ingress_port</c>).
/// </summary>
public sealed record TnaFieldSource(string? Header, string Field, int Bits);

/// <summary>
/// <c>dst</c> = the field of the first source whose header is valid, else 0 (zero-extended to dst's width):
/// how a packet-field feature reaches the model (docs/packet-features.md, rule 6).
/// </summary>
public sealed record TnaReadField(string Unit, string Dst, IReadOnlyList<TnaFieldSource> Sources) : TnaStep(Unit);

/// <summary>
/// The Tofino side of packet-field programs (docs/packet-features.md, docs/tofino.md): the standard headers
/// and their parse are the bmv2 program's (<see cref="P4PacketFields"/>), entered from a TNA start state that
/// takes the intrinsic metadata first; the ingress copies each field into metadata (0 when its header is
/// invalid) before the tables of the lowering, which match on that metadata as they would on the feature
/// header, and the class goes to <c>m.result</c>.
/// </summary>
public static class TnaPacketParser
{
    /// <summary>Where the ingress keeps the parser's error flags.</summary>
    public const string ParserErrorField = "m.parser_error";

    public const string ParserErrorSource = "prsr_md.parser_err";

    /// <summary>The port the packet arrived on: the ingress control's intrinsic metadata (TNA's ig_intr_md, named ig_md here).</summary>
    public const string IngressPortSource = "ig_md.ingress_port";

    /// <summary>Why <c>packet.length</c> has no Tofino program (HMC2008).</summary>
    public const string PacketLengthReason =
        "a Tofino ingress pipeline has no frame length: TNA's ingress intrinsic metadata carries none (only the egress " +
        "pipeline has eg_intr_md.pkt_length, after the model has run), and an IPv4 or IPv6 length plus header sizes is " +
        "not the frame length (padding, frames without IP); use ipv4.totalLength or ipv6.payloadLength, or target bmv2";

    /// <summary>Null when a Tofino program can read <paramref name="field"/>, else why not.</summary>
    public static string? CannotRead(string field) => PacketFields.Find(field) switch
    {
        null when FlowFields.Find(field) is { } flow => TnaFlowState.CannotRead(flow),
        null => "the Tofino code generator reads standard packet fields only (docs/packet-features.md); use bmv2",
        { Layer: PacketLayer.Frame } => PacketLengthReason,
        _ => null,
    };

    /// <summary>Null when every feature is a header field or a packet field the Tofino program can read.</summary>
    public static string? CannotParse(ModelFile model) =>
        model.Features.Where(f => f.Field != null).Select(f => CannotRead(f.Field!) is { } reason ? $"feature '{f.Name}' reads '{f.Field}': {reason}" : null)
            .FirstOrDefault(r => r != null);

    /// <summary>The headers a field may come from, in the order they are tried.</summary>
    public static IReadOnlyList<TnaFieldSource> Sources(PacketField field)
    {
        if (field.Layer == PacketLayer.Ethernet && field.Name == "eth.type")
            return new[] { new TnaFieldSource("h.vlan", "h.vlan.ether_type", 16), new TnaFieldSource("h.eth", "h.eth.ether_type", 16) };
        if (field.Layer == PacketLayer.IngressPort) return new[] { new TnaFieldSource(null, IngressPortSource, field.Bits) };
        string header = "h." + P4PacketFields.Instance(field.Layer);
        return new[] { new TnaFieldSource(header, $"{header}.{field.P4Field}", field.Bits) };
    }

    /// <summary>
    /// The lowered program of a packet-field model, completed: the features' metadata, the result and the
    /// parser's error flags come first in the metadata; the field reads run before the lowering's steps.
    /// </summary>
    public static TnaProgram Extend(ModelFile model, TnaProgram program)
    {
        var metadata = new List<TnaField>();
        var steps = new List<TnaStep>();
        for (int i = 0; i < model.Features.Count; i++)
        {
            var f = model.Features[i];
            string dst = P4FeatureTransport.FieldRef(f);
            if (PacketFields.Find(f.Field) is not { } field)
            {
                // A flow field: the flow state's registers write it (TnaFlowState).
                metadata.Add(new TnaField(dst, f.FieldBits, $"feature {i}: flow field {f.Field} (0 for a packet in no flow)"));
                continue;
            }
            metadata.Add(new TnaField(dst, f.FieldBits, $"feature {i}: packet field {field.Name} ({(field.Layer == PacketLayer.IngressPort ? "the port the packet arrived on" : "0 when the packet lacks its header")})"));
            steps.Add(new TnaReadField("read_" + P4FeatureTransport.FieldName(f), dst, Sources(field)));
        }
        var results = P4FeatureTransport.ResultRefs(model);
        foreach (string result in results)
            metadata.Add(new TnaField(result, P4FeatureTransport.ResultBits, results.Count == 1 ? "the class index the model computed" : $"the class index of model '{result.Substring("m.result_".Length)}' (255: it did not run)"));
        // The assembler routes parser errors into the PHV only for a program that reads them; otherwise the
        // ingress parser drops a packet whose headers do not fit, and rule 6 wants it classified.
        metadata.Add(new TnaField(ParserErrorField, 16, "the ingress parser's error flags (PARSER_ERROR_PARTIAL_HDR: a header did not fit)"));
        steps.Add(new TnaSet("parser_error", ParserErrorField, TnaOperand.Of(ParserErrorSource)));
        var notes = program.Notes.Append(
            "features are packet fields: each is copied into metadata (0 when its header is invalid) before the tables; " +
            "the ingress reads the parser's error flags so that a packet with a header that does not fit is classified, not dropped").ToList();
        return program with
        {
            Notes = notes,
            Metadata = metadata.Concat(program.Metadata).ToList(),
            Steps = steps.Concat(program.Steps).ToList(),
        };
    }

    /// <summary>Widths of the fields the program reads besides its metadata: the header fields and the parser's error flags.</summary>
    public static IEnumerable<(string Field, int Bits)> ReadFields(TnaProgram program) =>
        program.Steps.OfType<TnaReadField>().SelectMany(r => r.Sources).Select(s => (s.Field, s.Bits))
            .Append((ParserErrorSource, 16)).Distinct();

    /// <summary>Bits of a declared header instance (the sizes <see cref="PacketFieldExtractor"/> parses).</summary>
    public static int HeaderBits(string instance) => 8 * instance switch
    {
        "eth" => PacketFieldExtractor.EthernetBytes,
        "vlan" => PacketFieldExtractor.VlanBytes,
        "ipv4" => PacketFieldExtractor.Ipv4Bytes,
        "ipv6" => PacketFieldExtractor.Ipv6Bytes,
        "tcp" => PacketFieldExtractor.TcpBytes,
        "udp" => PacketFieldExtractor.UdpBytes,
        "icmp" => PacketFieldExtractor.IcmpBytes,
        _ when instance.StartsWith("ipv4_opt", System.StringComparison.Ordinal) => 4,
        _ => throw new System.ArgumentOutOfRangeException(nameof(instance), instance, "not a standard header instance"),
    };

    /// <summary>
    /// PHV bits of the parsed headers: every declared instance in full (its sub-byte fields share containers).
    /// Tofino's tagalong containers, which can hold fields no table reads, are not modelled, so this is an upper bound.
    /// </summary>
    public static int HeaderPhvBits(ModelFile model) => P4PacketFields.HeaderInstances(model).Sum(HeaderBits);

    public static void WriteTransportComment(CodeWriter w)
    {
        w.Line("// Tofino (P4_16, TNA). The features are standard packet fields (docs/packet-features.md), parsed with");
        w.Line("// the reference semantics; every packet gets the class index in m.result and goes back out of the port");
        w.Line("// it came in on. Tofino cannot multiply run-time values,");
    }

    /// <summary><c>if (h.x.isValid()) { dst = h.x.f; } else if ... else { dst = 0; }</c>: no header field is read unless its header is valid.</summary>
    public static void WriteRead(CodeWriter w, TnaReadField read, int dstBits)
    {
        string Value(TnaFieldSource s) => s.Bits == dstBits ? s.Field : $"(bit<{dstBits}>){s.Field}";
        if (read.Sources is [{ Header: null } always])
        {
            w.Line($"{read.Dst} = {Value(always)};");
            return;
        }
        var branches = read.Sources.Select(s => $"if ({s.Header}.isValid()) {{ {read.Dst} = {Value(s)}; }}");
        w.Line($"{string.Join(" else ", branches)} else {{ {read.Dst} = 0; }}");
    }
}
