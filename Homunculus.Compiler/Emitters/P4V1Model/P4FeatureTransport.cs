using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Text;

namespace Homunculus.Compiler.Emitters.P4V1Model;

/// <summary>
/// The P4 pieces every P4 target shares, whatever the model family: the Ethernet header, the feature
/// header (one unsigned field per feature in model order, then <c>bit&lt;8&gt; result</c>; see
/// docs/feature-header.md), the parser states that extract them, the deparser's emits, and the
/// identifiers of the feature fields. The v1model wrappers (parser signature, V1Switch package) are
/// here too; a TNA emitter reuses the header, the parser states and the emits inside its own skeleton.
/// </summary>
public static class P4FeatureTransport
{
    /// <summary>IEEE 802 local experimental EtherType that marks a feature packet.</summary>
    public const int EtherType = 0x88B5;

    public const string EtherTypeConstant = "ETHERTYPE_FEATURES";
    public const string EthernetType = "ethernet_t";
    public const string FeatureType = "features_t";
    public const string HeadersType = "headers_t";
    public const string MetadataType = "meta_t";

    /// <summary>Instance names inside <see cref="HeadersType"/>.</summary>
    public const string EthernetInstance = "eth";
    public const string FeatureInstance = "feat";

    /// <summary>The field the switch writes the class index into.</summary>
    public const string ResultField = "result";

    public const int ResultBits = 8;

    /// <summary>The feature header field of <paramref name="feature"/>: <c>f_&lt;snake name&gt;</c>.</summary>
    public static string FieldName(FeatureEncoding feature) => "f_" + Identifiers.Snake(feature.Name);

    /// <summary>The field as read in a control: <c>h.feat.f_x</c>.</summary>
    /// <remarks>A packet-field feature (docs/packet-features.md) lives in metadata instead: <c>m.f_x</c>.</remarks>
    public static string FieldRef(FeatureEncoding feature) =>
        feature.Field != null ? $"m.{FieldName(feature)}" : $"h.{FeatureInstance}.{FieldName(feature)}";

    /// <summary>Where the class index goes: the feature header's result field, or <c>m.result</c> in a packet-field program.</summary>
    public static string ResultRef(ModelFile model) =>
        model.ReadsPacketFields ? P4PacketFields.ResultRef : $"h.{FeatureInstance}.{ResultField}";

    /// <summary>The result fields of the program: <c>result</c>, or one <c>result_&lt;model&gt;</c> per model of a schedule (docs/schedule.md), in schedule order.</summary>
    public static IReadOnlyList<string> ResultFields(ModelFile model) =>
        Schedules.Of(model) is { } schedule ? schedule.Models.Select(m => ResultField + "_" + Identifiers.Snake(m.Name)).ToList() : new[] { ResultField };

    /// <summary>Every field a class goes to: <see cref="ResultRef(ModelFile)"/>, or each model's of a schedule.</summary>
    public static IReadOnlyList<string> ResultRefs(ModelFile model) =>
        Schedules.Of(model) is { } schedule ? Enumerable.Range(0, schedule.Models.Count).Select(m => ResultRef(model, m)).ToList() : new[] { ResultRef(model) };

    /// <summary>Where model <paramref name="index"/> of a schedule writes its class: <c>h.feat.result_&lt;model&gt;</c>, or <c>m.result_&lt;model&gt;</c> in a packet-field program.</summary>
    public static string ResultRef(ModelFile file, int index) =>
        (file.ReadsPacketFields ? "m." : $"h.{FeatureInstance}.") + ResultFields(file)[index];

    /// <summary>The program's opening comment lines about how features arrive and where the class goes.</summary>
    public static void WriteTransportComment(CodeWriter w, ModelFile model)
    {
        if (model.ReadsPacketFields)
        {
            w.Line("// BMv2 simple_switch (v1model). The features are standard packet fields (docs/packet-features.md);");
            w.Line("// every packet gets the class index in m.result and goes back out of the port it came in on.");
            return;
        }
        w.Line("// BMv2 simple_switch (v1model). Feature packets (EtherType 0x88B5) get the class index in");
        w.Line("// h.feat.result; every packet goes back out of the port it came in on.");
    }

    /// <summary>
    /// Opens the part of the apply block that runs the model: <c>if (h.feat.isValid()) {</c> for the feature
    /// header; for packet fields, the field reads, then the model for every packet (no guard).
    /// </summary>
    public static IDisposable OpenModel(CodeWriter w, ModelFile model)
    {
        if (!model.ReadsPacketFields) return w.Block($"if (h.{FeatureInstance}.isValid()) {{");
        P4PacketFields.WriteFieldReads(w, model);
        if (!model.KeepsFlowState) return new NoScope();
        foreach (string result in ResultRefs(model)) w.Line($"{result} = {P4FlowState.NoDecision};");
        return w.Block($"if ({P4FlowState.Decide} == 1) {{");
    }

    private sealed class NoScope : IDisposable
    {
        public void Dispose() { }
    }

    /// <summary>The metadata fields of packet-field features (nothing for a feature-header program).</summary>
    public static void WriteFeatureMetadata(CodeWriter w, ModelFile model)
    {
        if (model.ReadsPacketFields) P4PacketFields.WriteMetadata(w, model);
        P4Actions.WriteMetadata(w, model);
    }

    /// <summary>
    /// Throws when two features map to the same identifier (the compiler rejects such specs before any
    /// code is generated; an emitter must never write a program with a duplicate field).
    /// </summary>
    public static void CheckDistinctNames(ModelFile model)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < model.Features.Count; i++)
        {
            string name = FieldName(model.Features[i]);
            if (seen.TryGetValue(name, out int other))
                throw new InvalidOperationException(
                    $"features {other} and {i} both map to the identifier '{name}'; rename one of them");
            seen.Add(name, i);
        }
    }

    /// <summary>One line describing a feature's encoding, for comments (user text escaped).</summary>
    public static string Describe(FeatureEncoding feature)
    {
        string text = $"'{Escaping.Comment(feature.Name)}': {feature.Kind}, {feature.Bits} significant bits";
        if (feature.Kind == FeatureKind.Categorical)
            return text + $", {feature.Categories.Count} categories, unknown = {feature.UnknownCode}";
        return text + string.Format(CultureInfo.InvariantCulture, ", value * {0} - {1}, clamped to 0..{2}",
            feature.Scale, feature.Offset, feature.Max);
    }

    public static void WriteIncludes(CodeWriter w, string architectureInclude)
    {
        w.Line("#include <core.p4>");
        w.Line($"#include <{architectureInclude}>");
    }

    /// <summary>The EtherType constant, the Ethernet header, the feature header and the headers struct.</summary>
    public static void WriteHeaders(CodeWriter w, ModelFile model)
    {
        if (model.ReadsPacketFields)
        {
            P4PacketFields.WriteHeaders(w, model);
            P4Actions.WriteDeclarations(w, model);
            return;
        }
        w.Line($"const bit<16> {EtherTypeConstant} = 0x{EtherType:X4};   // IEEE 802 local experimental EtherType");
        w.Line();
        w.Line($"header {EthernetType} {{ bit<48> dst; bit<48> src; bit<16> ether_type; }}");
        w.Line();
        w.Line("// The feature header, right after Ethernet: one unsigned field per feature (model order),");
        w.Line("// holding the encoded value, then the result the switch writes (docs/feature-header.md).");
        using (w.Block($"header {FeatureType} {{"))
        {
            int offset = 14;
            for (int i = 0; i < model.Features.Count; i++)
            {
                var f = model.Features[i];
                w.Line($"bit<{f.FieldBits}> {FieldName(f)};   // byte {offset}: feature {i} {Describe(f)}");
                offset += f.FieldBits / 8;
            }
            var results = ResultFields(model);
            for (int r = 0; r < results.Count; r++)
                w.Line(results.Count == 1
                    ? $"bit<{ResultBits}> {results[r]};   // byte {offset + r}: class index written by the switch"
                    : $"bit<{ResultBits}> {results[r]};   // byte {offset + r}: class index of model '{Escaping.Comment(Schedules.Of(model)!.Models[r].Name)}' (255: it did not run)");
        }
        w.Line();
        w.Line($"struct {HeadersType} {{ {EthernetType} {EthernetInstance}; {FeatureType} {FeatureInstance}; }}");
        P4Actions.WriteDeclarations(w, model);
    }

    /// <summary>
    /// The parser states (architecture independent): Ethernet, then the feature header when the
    /// EtherType says so; any other packet is accepted with only Ethernet extracted.
    /// </summary>
    public static void WriteParserStates(CodeWriter w, string packetIn = "pkt", string headers = "h")
    {
        using (w.Block("state start {"))
        {
            w.Line($"{packetIn}.extract({headers}.{EthernetInstance});");
            using (w.Block($"transition select({headers}.{EthernetInstance}.ether_type) {{"))
            {
                w.Line($"{EtherTypeConstant}: parse_features;");
                w.Line("default: accept;");
            }
        }
        w.Line($"state parse_features {{ {packetIn}.extract({headers}.{FeatureInstance}); transition accept; }}");
    }

    /// <summary>The deparser's emits (an invalid header is not emitted, so other packets pass unchanged).</summary>
    public static void WriteEmits(CodeWriter w, string packetOut = "pkt", string headers = "h")
    {
        w.Line($"{packetOut}.emit({headers}.{EthernetInstance});");
        w.Line($"{packetOut}.emit({headers}.{FeatureInstance});");
    }

    /// <summary>v1model parser around <see cref="WriteParserStates"/>.</summary>
    public static void WriteV1ModelParser(CodeWriter w, ModelFile model)
    {
        using (w.Block($"parser ParserImpl(packet_in pkt, out {HeadersType} h, inout {MetadataType} m, inout standard_metadata_t sm) {{"))
        {
            if (model.ReadsPacketFields) P4PacketFields.WriteParserStates(w, model);
            else WriteParserStates(w);
        }
    }

    /// <summary>The v1model controls that do nothing here (checksums, egress).</summary>
    public static void WriteV1ModelEmptyControls(CodeWriter w, bool beforeIngress)
    {
        if (beforeIngress)
        {
            w.Line($"control VerifyChecksumImpl(inout {HeadersType} h, inout {MetadataType} m) {{ apply {{ }} }}");
            return;
        }
        w.Line($"control EgressImpl(inout {HeadersType} h, inout {MetadataType} m, inout standard_metadata_t sm) {{ apply {{ }} }}");
        w.Line();
        w.Line($"control ComputeChecksumImpl(inout {HeadersType} h, inout {MetadataType} m) {{ apply {{ }} }}");
    }

    /// <summary>Opens the v1model ingress control; the caller writes its body and disposes the scope.</summary>
    public static CodeWriter.Scope OpenV1ModelIngress(CodeWriter w, ModelFile model)
    {
        var scope = w.Block($"control IngressImpl(inout {HeadersType} h, inout {MetadataType} m, inout standard_metadata_t sm) {{");
        P4FlowState.WriteRegisters(w, model);
        return scope;
    }

    public static void WriteV1ModelDeparserAndSwitch(CodeWriter w, ModelFile model)
    {
        using (w.Block($"control DeparserImpl(packet_out pkt, in {HeadersType} h) {{"))
        {
            using (w.Block("apply {"))
            {
                if (model.ReadsPacketFields) P4PacketFields.WriteEmits(w, model);
                else WriteEmits(w);
            }
        }
        w.Line();
        w.Line("V1Switch(ParserImpl(), VerifyChecksumImpl(), IngressImpl(), EgressImpl(), ComputeChecksumImpl(), DeparserImpl()) main;");
    }

    /// <summary>Total bytes of the feature header (features + result).</summary>
    public static int FeatureHeaderBytes(ModelFile model) =>
        model.Features.Sum(f => f.FieldBits / 8) + ResultFields(model).Count * ResultBits / 8;
}
