using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Compiler.CostModels.Tofino;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Emitters.Tna;

/// <summary>Builds the Tofino lowering of a model file (trees, or a one-layer network), or says why there is none.</summary>
public static class TnaLowering
{
    public static string? CannotLower(ModelFile model) =>
        TnaPacketParser.CannotParse(model) ?? TnaFlowState.CannotKeep(model)
        ?? (ClassActions.Uses(model, ClassActionKind.Dscp) ? "the Tofino code generator does not rewrite the DSCP" : null)
        ?? (Schedules.Of(model) is not null ? TnaScheduleLowering.CannotLower(model) : CannotLowerBody(model));

    /// <summary>Why the model itself has no table lowering (its features aside); null when it has one.</summary>
    internal static string? CannotLowerBody(ModelFile model) => model.Model switch
    {
        TreeEnsembleModel t when t.Classes is > 0 and <= 1 << P4FeatureTransport.ResultBits => null,
        TreeEnsembleModel => "the trees score more classes than the 8-bit result field holds",
        MlpModel mlp when mlp.Layers.Count > 1 => "Tofino cannot multiply two run-time values, and a multi-layer perceptron multiplies every hidden activation by a weight",
        MlpModel mlp when !TnaLookupLowering.Supports(mlp) => "only one-layer networks without an activation have a lookup-based lowering",
        MlpModel mlp when mlp.Layers[0].Outputs > 1 << P4FeatureTransport.ResultBits || mlp.OutputClasses.Any(c => c < 0 || c >= 1 << P4FeatureTransport.ResultBits) => "the classes do not fit the 8-bit result field",
        MlpModel => null,
        _ => $"model kind '{model.Model.Kind}' has no Tofino lowering",
    };

    public static TnaLoweringResult Lower(ModelFile model, TofinoResources? resources = null)
    {
        if (CannotLower(model) is { } reason) return TnaLoweringResult.Fail(reason, 0, 0);
        P4FeatureTransport.CheckDistinctNames(model);
        var lowered = Schedules.Of(model) is not null
            ? TnaScheduleLowering.Lower(model, resources ?? TofinoResources.Default)
            : LowerBody(model, resources ?? TofinoResources.Default);
        if (model.KeepsFlowState && lowered.Program is { } tables) lowered = lowered with { Program = TnaFlowState.Extend(model, tables) };
        return model.ReadsPacketFields && lowered.Program is { } program ? lowered with { Program = TnaPacketParser.Extend(model, program) } : lowered;
    }

    /// <summary>The tables and steps of one model (before a packet-field program's reads are added).</summary>
    internal static TnaLoweringResult LowerBody(ModelFile model, TofinoResources resources) => model.Model switch
    {
        TreeEnsembleModel trees => TnaTreeLowering.Lower(model, trees, resources),
        MlpModel mlp => TnaLookupLowering.Lower(model, mlp),
        _ => throw new NotSupportedException(model.Model.Kind),
    };

    /// <summary>The lowering placed on the stages of <paramref name="resources"/>.</summary>
    public static StageAllocation Allocate(ModelFile model, TnaProgram program, TofinoResources resources) =>
        StageAllocator.Allocate(StageAllocator.LogicalTables(program, resources), resources, TofinoResources.Phv(model, program));
}

/// <summary>
/// Tofino (P4_16 for tna.p4): <c>tna/&lt;name&gt;.p4</c> with the tables and their <c>const entries</c>
/// (left out when compiled with <c>-DHOMUNCULUS_CONTROL_PLANE_ENTRIES</c>), and the same entries for a
/// running switch as <c>tna/&lt;name&gt;_entries.json</c> (tables, entries, and the apply steps, so the
/// program can be simulated) and <c>tna/&lt;name&gt;_entries.py</c> (bfrt_python). Constructs are kept to
/// those bf-p4c is known to compile (shared/notes/p4-syntax/tna_constructs.p4): ternary and exact keys,
/// set-only actions, additions and saturating subtractions, gateways comparing a field with a constant, and for
/// flow state Hash, Register and RegisterAction (<see cref="TnaFlowState"/>; docs/flow-features.md lists what goes
/// beyond the checked reference).
/// </summary>
public sealed class TnaEmitter : IEmitter
{
    public const string GeneratorName = "Homunculus.Compiler TnaEmitter";

    public const string ControlPlaneEntries = "HOMUNCULUS_CONTROL_PLANE_ENTRIES";

    public string Target => "tofino";

    private const string Folder = "tna";

    public bool Supports(ModelFile model) => TnaLowering.CannotLower(model) is null && TnaLowering.Lower(model).Program is not null;

    public IReadOnlyList<GeneratedFile> Emit(ModelFile model)
    {
        var lowered = TnaLowering.Lower(model);
        if (lowered.Program is not { } program) throw new NotSupportedException("no Tofino program: " + lowered.Problem);
        program = TnaActions.Extend(model, program);
        var allocation = TnaLowering.Allocate(model, program, TofinoResources.Default);
        string name = Identifiers.Snake(model.Name);
        return new[]
        {
            new GeneratedFile($"{Folder}/{name}.p4", WriteProgram(model, program, allocation)),
            new GeneratedFile($"{Folder}/{name}_entries.json", WriteJson(model, program, allocation)),
            new GeneratedFile($"{Folder}/{name}_entries.py", WriteBfrt(model, program)),
        };
    }

    private static string Int(ulong v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Hex(ulong v) => "0x" + v.ToString("X", CultureInfo.InvariantCulture);

    private static string Local(string field) => field.StartsWith("m.", StringComparison.Ordinal) ? field.Substring(2) : field;

    private static Dictionary<string, int> Widths(ModelFile model, TnaProgram program)
    {
        var widths = program.Metadata.ToDictionary(f => f.Name, f => f.Bits, StringComparer.Ordinal);
        foreach (var f in model.Features) widths[P4FeatureTransport.FieldRef(f)] = f.FieldBits;
        foreach (string result in P4FeatureTransport.ResultRefs(model)) widths[result] = P4FeatureTransport.ResultBits;
        if (model.ReadsPacketFields) foreach (var (field, bits) in TnaPacketParser.ReadFields(program)) widths[field] = bits;
        foreach (var (field, bits) in TnaFlowState.ReadFields(program)) widths[field] = bits;
        return widths;
    }

    // ---- P4 ----

    private static string WriteProgram(ModelFile model, TnaProgram program, StageAllocation allocation)
    {
        var widths = Widths(model, program);
        var w = new CodeWriter();
        GeneratedHeader.Write(w, GeneratorName, model);
        if (model.ReadsPacketFields) TnaPacketParser.WriteTransportComment(w);
        else
        {
            w.Line("// Tofino (P4_16, TNA). Feature packets (EtherType 0x88B5) get the class index in h.feat.result;");
            w.Line("// every packet goes back out of the port it came in on. Tofino cannot multiply run-time values,");
        }
        w.Line($"// so the model is tables: {program.Lowering}.");
        foreach (var note in program.Notes) w.Line($"// {Escaping.Comment(note)}");
        for (int c = 0; c < model.Classes.Count; c++)
            w.Line($"// class {c}: '{Escaping.Comment(model.Classes[c].Name)}'");
        if (Schedules.Of(model) is { } schedule)
        {
            w.Line("// A schedule (docs/schedule.md): the features are read once for every model; each model's class goes to its");
            w.Line("// own result field (255: the model did not run).");
            foreach (var line in Bmv2ScheduleEmitter.Describe(model, schedule)) w.Line("// " + line);
        }
        w.Line("//");
        w.Line($"// Stage allocation estimated at the default parameters (docs/tofino.md): {allocation.StagesUsed} stage(s), PHV {allocation.PhvBits} bits.");
        foreach (var s in allocation.Stages)
            w.Line($"//   stage {s.Stage}: {s.Tables} table(s), {s.Sram} SRAM + {s.Tcam} TCAM blocks{(s.StatefulAlus > 0 ? $", {s.StatefulAlus} stateful ALU(s)" : "")}: {string.Join(", ", s.Names)}");
        foreach (var p in allocation.Problems) w.Line($"//   DOES NOT FIT: {Escaping.Comment(p.ToString())}");
        w.Line($"// Entries: const entries below; build with -D{ControlPlaneEntries} to load them from");
        w.Line("// the _entries.py (bfrt_python) or _entries.json file instead.");
        w.Line();
        P4FeatureTransport.WriteIncludes(w, "tna.p4");
        w.Line();
        P4FeatureTransport.WriteHeaders(w, model);
        w.Line();
        using (w.Block("struct ig_meta_t {"))
        {
            foreach (var f in program.Metadata) w.Line($"bit<{f.Bits}> {Local(f.Name)};   // {Escaping.Comment(f.Comment)}");
        }
        w.Line("struct eg_meta_t { }");
        w.Line();
        using (w.Block($"parser IgParser(packet_in pkt, out {P4FeatureTransport.HeadersType} h, out ig_meta_t m, out ingress_intrinsic_metadata_t ig_md) {{"))
        {
            using (w.Block("state start {"))
            {
                w.Line("pkt.extract(ig_md);");
                w.Line("pkt.advance(PORT_METADATA_SIZE);");
                foreach (var f in program.Metadata) w.Line($"{f.Name} = 0;");
                w.Line("transition parse_ethernet;");
            }
            if (model.ReadsPacketFields) P4PacketFields.WriteParserStates(w, model, "parse_ethernet");
            else
            {
                using (w.Block("state parse_ethernet {"))
                {
                    w.Line($"pkt.extract(h.{P4FeatureTransport.EthernetInstance});");
                    w.Line($"transition select(h.{P4FeatureTransport.EthernetInstance}.ether_type) {{ {P4FeatureTransport.EtherTypeConstant}: parse_features; default: accept; }}");
                }
                w.Line($"state parse_features {{ pkt.extract(h.{P4FeatureTransport.FeatureInstance}); transition accept; }}");
            }
        }
        w.Line();
        using (w.Block($"control Ig(inout {P4FeatureTransport.HeadersType} h, inout ig_meta_t m,"))
        {
            w.Line("     in ingress_intrinsic_metadata_t ig_md,");
            w.Line("     in ingress_intrinsic_metadata_from_parser_t prsr_md,");
            w.Line("     inout ingress_intrinsic_metadata_for_deparser_t dprsr_md,");
            w.Line("     inout ingress_intrinsic_metadata_for_tm_t tm_md) {");
            w.Line();
            foreach (var table in program.Tables)
            {
                WriteTable(w, table);
                w.Line();
            }
            foreach (var step in program.Steps.OfType<TnaFlowStep>()) step.Declare(w);
            using (w.Block("apply {"))
            {
                if (model.ReadsPacketFields) foreach (var step in program.Steps) WriteStep(w, step, widths);   // every packet is classified
                else
                {
                    using (w.Block($"if (h.{P4FeatureTransport.FeatureInstance}.isValid()) {{"))
                    {
                        foreach (var step in program.Steps) WriteStep(w, step, widths);
                    }
                }
                w.Line("tm_md.ucast_egress_port = ig_md.ingress_port;   // return the packet where it came from");
                TnaActions.WriteApply(w, model);
            }
        }
        w.Line();
        using (w.Block($"control IgDeparser(packet_out pkt, inout {P4FeatureTransport.HeadersType} h, in ig_meta_t m,"))
        {
            w.Line("     in ingress_intrinsic_metadata_for_deparser_t dprsr_md) {");
            TnaActions.WriteDeparserDeclarations(w, model);
            using (w.Block("apply {"))
            {
                TnaActions.WriteDeparserApply(w, model);
                if (model.ReadsPacketFields) P4PacketFields.WriteEmits(w, model);
                else P4FeatureTransport.WriteEmits(w);
            }
        }
        w.Line();
        using (w.Block($"parser EgParser(packet_in pkt, out {P4FeatureTransport.HeadersType} h, out eg_meta_t m, out egress_intrinsic_metadata_t eg_md) {{"))
            w.Line("state start { pkt.extract(eg_md); transition accept; }");
        w.Line($"control Eg(inout {P4FeatureTransport.HeadersType} h, inout eg_meta_t m, in egress_intrinsic_metadata_t eg_md,");
        w.Line("          in egress_intrinsic_metadata_from_parser_t prsr_md,");
        w.Line("          inout egress_intrinsic_metadata_for_deparser_t dprsr_md,");
        w.Line("          inout egress_intrinsic_metadata_for_output_port_t oport_md) { apply { } }");
        w.Line($"control EgDeparser(packet_out pkt, inout {P4FeatureTransport.HeadersType} h, in eg_meta_t m,");
        w.Line("                   in egress_intrinsic_metadata_for_deparser_t dprsr_md) { apply { } }");
        w.Line();
        w.Line("Pipeline(IgParser(), Ig(), IgDeparser(), EgParser(), Eg(), EgDeparser()) pipe;");
        w.Line("Switch(pipe) main;");
        return w.ToString();
    }

    private static void WriteTable(CodeWriter w, TnaTable table)
    {
        var a = table.Action;
        w.Line($"action {a.Name}({string.Join(", ", a.Params.Select(p => $"bit<{p.Bits}> {p.Name}"))}) {{ {string.Concat(a.Sets.Select(s => $"{s.Field} = {s.Param}; "))}}}");
        w.Line($"// {Escaping.Comment(table.Comment)}: {table.Entries.Count} entries");
        using (w.Block($"table {table.Name} {{"))
        {
            w.Line($"key = {{ {string.Concat(table.Keys.Select(k => $"{k.Field} : {(k.Match == TnaMatch.Exact ? "exact" : "ternary")}; "))}}}");
            w.Line($"actions = {{ {a.Name}; }}");
            if (table.Entries.Count == 0) w.Line("size = 1;");
            else
            {
                w.Line($"#ifdef {ControlPlaneEntries}");
                w.Line($"size = {table.Entries.Count};");
                w.Line("#else");
                using (w.Block("const entries = {"))
                {
                    foreach (var e in table.Entries)
                    {
                        var keys = e.Key.Select((k, i) => table.Keys[i].Match == TnaMatch.Exact ? Hex(k.Value) : $"{Hex(k.Value)} &&& {Hex(k.Mask)}").ToList();
                        string key = keys.Count == 1 ? keys[0] : $"({string.Join(", ", keys)})";
                        w.Line($"{key} : {e.Action}({string.Join(", ", e.Args.Select(Int))});");
                    }
                }
                w.Line("#endif");
            }
            w.Line($"default_action = {a.Name}({string.Join(", ", table.DefaultArgs.Select(Int))});");
        }
    }

    private static string Operand(TnaOperand o, int bits) => o.Field ?? $"{bits}w{Int(o.Constant)}";

    private static void WriteStep(CodeWriter w, TnaStep step, IReadOnlyDictionary<string, int> widths)
    {
        switch (step)
        {
            case TnaApply apply: w.Line($"{apply.Table}.apply();"); break;
            case TnaAdd add: w.Line($"{add.Dst} = {Operand(add.A, widths[add.Dst])} + {Operand(add.B, widths[add.Dst])};"); break;
            case TnaSatSub sub: w.Line($"{sub.Dst} = {Operand(sub.A, widths[sub.Dst])} |-| {Operand(sub.B, widths[sub.Dst])};   // nonzero when greater (unsigned; scores are offset binary)"); break;
            case TnaSet set: w.Line($"{set.Dst} = {Operand(set.Src, widths[set.Dst])};"); break;
            case TnaPick pick:
                w.Line($"if ({pick.Test} != 0) {{ {string.Concat(pick.Assign.Select(x => $"{x.Dst} = {Operand(x.Then, widths[x.Dst])}; "))}}}");
                w.Line($"else {{ {string.Concat(pick.Assign.Select(x => $"{x.Dst} = {Operand(x.Else, widths[x.Dst])}; "))}}}");
                break;
            case TnaReadField read: TnaPacketParser.WriteRead(w, read, widths[read.Dst]); break;
            case TnaFlowStep flow: flow.Write(w, widths); break;
        }
    }

    // ---- entries ----

    private static JToken Operand(TnaOperand o) => o.Field is { } f ? new JValue(f) : new JValue(o.Constant);

    private static string WriteJson(ModelFile model, TnaProgram program, StageAllocation allocation)
    {
        var widths = Widths(model, program);
        var json = new JObject
        {
            ["generator"] = GeneratorName,
            ["program"] = Identifiers.Snake(model.Name),
            ["pipeline"] = "pipe",
            ["control"] = "Ig",
            ["lowering"] = program.Lowering,
            ["fields"] = new JObject(widths.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => new JProperty(x.Key, x.Value))),
            ["tables"] = new JArray(program.Tables.Select(t => new JObject
            {
                ["name"] = t.Name,
                ["keys"] = new JArray(t.Keys.Select(k => new JObject { ["field"] = k.Field, ["name"] = k.ControlName, ["match"] = k.Match == TnaMatch.Exact ? "exact" : "ternary", ["bits"] = k.Bits })),
                ["action"] = new JObject
                {
                    ["name"] = t.Action.Name,
                    ["params"] = new JArray(t.Action.Params.Select(p => new JObject { ["name"] = p.Name, ["bits"] = p.Bits })),
                    ["sets"] = new JArray(t.Action.Sets.Select(s => new JObject { ["field"] = s.Field, ["param"] = s.Param })),
                },
                ["default"] = new JArray(t.DefaultArgs.Select(a => new JValue(a))),
                ["entries"] = new JArray(t.Entries.Select(e => new JObject
                {
                    ["key"] = new JArray(e.Key.Select((k, i) => t.Keys[i].Match == TnaMatch.Exact ? new JObject { ["value"] = k.Value } : new JObject { ["value"] = k.Value, ["mask"] = k.Mask })),
                    ["action"] = e.Action,
                    ["args"] = new JArray(e.Args.Select(a => new JValue(a))),
                })),
            })),
            ["steps"] = new JArray(program.Steps.Select(s => s switch
            {
                TnaApply a => new JObject { ["op"] = "apply", ["table"] = a.Table },
                TnaAdd a => new JObject { ["op"] = "add", ["dst"] = a.Dst, ["a"] = Operand(a.A), ["b"] = Operand(a.B) },
                TnaSatSub a => new JObject { ["op"] = "satsub", ["dst"] = a.Dst, ["a"] = Operand(a.A), ["b"] = Operand(a.B) },
                TnaSet a => new JObject { ["op"] = "set", ["dst"] = a.Dst, ["src"] = Operand(a.Src) },
                TnaReadField a => new JObject
                {
                    ["op"] = "read",
                    ["dst"] = a.Dst,
                    ["sources"] = new JArray(a.Sources.Select(x => new JObject { ["header"] = x.Header, ["field"] = x.Field })),
                },
                TnaPick a => new JObject
                {
                    ["op"] = "pick",
                    ["test"] = a.Test,
                    ["assign"] = new JArray(a.Assign.Select(x => new JObject { ["dst"] = x.Dst, ["then"] = Operand(x.Then), ["else"] = Operand(x.Else) })),
                },
                TnaFlowStep flow => flow.ToJson(),
                _ => throw new NotSupportedException(s.GetType().Name),
            })),
            ["allocation"] = new JArray(allocation.Stages.Select(s =>
            {
                var stage = new JObject
                {
                    ["stage"] = s.Stage,
                    ["tables"] = new JArray(s.Names),
                    ["sramBlocks"] = s.Sram,
                    ["tcamBlocks"] = s.Tcam,
                };
                if (s.StatefulAlus > 0) stage["statefulAlus"] = s.StatefulAlus;
                return stage;
            })),
        };
        return json.ToString(Formatting.Indented).Replace("\r\n", "\n") + "\n";
    }

    private static string WriteBfrt(ModelFile model, TnaProgram program)
    {
        string name = Identifiers.Snake(model.Name);
        var w = new CodeWriter();
        GeneratedHeader.Write(w, GeneratorName, model, "#");
        w.Line($"# Table entries for a running Tofino: build {name}.p4 with -D{ControlPlaneEntries}, load it, then");
        w.Line($"# in bfshell: bfrt_python {name}_entries.py. Ternary entries of one table never overlap, so their");
        w.Line("# MATCH_PRIORITY order does not matter.");
        w.Line();
        w.Line($"ig = bfrt.{name}.pipe.Ig");
        w.Line();
        using (w.Block("def load_entries():", ""))
        {
            foreach (var t in program.Tables)
            {
                w.Line($"t = ig.{t.Name}");
                w.Line("t.clear()");
                int priority = 0;
                foreach (var e in t.Entries)
                {
                    var args = new List<string>();
                    for (int i = 0; i < t.Keys.Count; i++)
                    {
                        args.Add($"{t.Keys[i].ControlName}={Hex(e.Key[i].Value)}");
                        if (t.Keys[i].Match == TnaMatch.Ternary) args.Add($"{t.Keys[i].ControlName}_mask={Hex(e.Key[i].Mask)}");
                    }
                    if (t.IsTernary) args.Add($"MATCH_PRIORITY={priority++}");
                    args.AddRange(t.Action.Params.Select((p, i) => $"{p.Name}={Int(e.Args[i])}"));
                    w.Line($"t.add_with_{e.Action}({string.Join(", ", args)})");
                }
                w.Line($"t.set_default_with_{t.Action.Name}({string.Join(", ", t.Action.Params.Select((p, i) => $"{p.Name}={Int(t.DefaultArgs[i])}"))})");
            }
            w.Line("bfrt.complete_operations()");
        }
        w.Line();
        w.Line("load_entries()");
        return w.ToString();
    }
}
