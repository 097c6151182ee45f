using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Text;

namespace Homunculus.Compiler.Emitters.P4V1Model;

/// <summary>
/// Per-class actions (docs/actions.md) in P4: after the class is written (and the packet given its default
/// egress, the ingress port), an if/else-if chain on the class carries out each class's action. A chain rather
/// than a table keyed by the class: the actions differ in kind (externs, header rewrites), there are at most a
/// few per program, it needs no control plane, and on Tofino each branch is a gateway comparing a field with a
/// constant, which the stage allocator's reference program shows the compiler accepts. A model without
/// actions writes nothing here, so its program is unchanged.
/// </summary>
public static class P4Actions
{
    /// <summary>The digest's struct: the class, the ingress port and the Ethernet source of the packet.</summary>
    public const string DigestType = "class_digest_t";

    /// <summary>v1model digest receiver (the control plane's learn/digest id).</summary>
    public const int DigestReceiver = 1;

    /// <summary>Metadata for the incremental IPv4 checksum (32 bits, so the carries of three 16-bit words fit).</summary>
    public const string ChecksumField = "act_csum";

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Hex(int value, int digits) => "0x" + value.ToString("X" + I(digits), CultureInfo.InvariantCulture);

    /// <summary>The classes with an action other than forward, by class index.</summary>
    public static IReadOnlyList<(int Class, ClassAction Action)> Acting(ModelFile model) =>
        Enumerable.Range(0, model.Classes.Count)
            .Select(c => (Class: c, Action: ClassActions.Of(model, c)))
            .Where(x => x.Action.Kind != ClassActionKind.Forward)
            .ToList();

    /// <summary>Whether the parser must extract the IPv4 and IPv6 headers for the actions (a DSCP rewrite).</summary>
    public static bool RewritesIp(ModelFile model) => ClassActions.Uses(model, ClassActionKind.Dscp);

    /// <summary>One comment line per acting class, and the digest struct when a class sends digests (top level, after the headers).</summary>
    public static void WriteDeclarations(CodeWriter w, ModelFile model)
    {
        if (Schedules.Of(model) is { } schedule)
        {
            WriteScheduleDeclarations(w, model, schedule);
            return;
        }
        var acting = Acting(model);
        if (acting.Count == 0) return;
        w.Line();
        w.Line("// Per-class actions (docs/actions.md); every other class is forwarded. The class is written first.");
        foreach (var (c, action) in acting)
            w.Line($"//   class {I(c)} '{Escaping.Comment(model.Classes[c].Name)}': {Describe(action)}");
        if (ClassActions.Uses(model, ClassActionKind.Digest))
            w.Line($"struct {DigestType} {{ bit<{P4FeatureTransport.ResultBits}> class_index; bit<9> ingress_port; bit<48> eth_src; }}");
    }

    /// <summary>What an action does, for comments.</summary>
    public static string Describe(ClassAction action) => action.Kind switch
    {
        ClassActionKind.Drop => "drop",
        ClassActionKind.Port => $"forward out of port {I(action.Value)}",
        ClassActionKind.Cpu => $"forward, and a copy to the CPU (clone session {I(action.Value)})",
        ClassActionKind.Digest => "forward, and a digest (class, ingress port, Ethernet source) to the control plane",
        ClassActionKind.Dscp => $"forward with DSCP {I(action.Value)}",
        _ => "forward",
    };

    /// <summary>The metadata the actions need (inside <c>meta_t</c>): the checksum word when a class sets the DSCP.</summary>
    public static void WriteMetadata(CodeWriter w, ModelFile model)
    {
        if (ClassActions.Uses(model, ClassActionKind.Dscp))
            w.Line($"bit<32> {ChecksumField};   // per-class actions: IPv4 checksum update (RFC 1624)");
    }

    /// <summary>
    /// The v1model action chain, written right after <c>sm.egress_spec = sm.ingress_port;</c>: drop is
    /// <c>mark_to_drop(sm)</c>, a port overrides <c>egress_spec</c>, cpu is an ingress-to-egress clone to the
    /// session, digest is <c>digest&lt;class_digest_t&gt;</c>, DSCP rewrites the IP header in ingress.
    /// </summary>
    public static void WriteApply(CodeWriter w, ModelFile model)
    {
        if (Schedules.Of(model) is not null)
        {
            WriteScheduleChains(w, model, (m, result, action) => V1ModelStatements(action, $"(bit<{P4FeatureTransport.ResultBits}>){I(m)}, {result}"));
            return;
        }
        string result = P4FeatureTransport.ResultRef(model);
        WriteChain(w, model, result, action => V1ModelStatements(action, result));
    }

    private static IReadOnlyList<string> V1ModelStatements(ClassAction action, string digested) => action.Kind switch
    {
        ClassActionKind.Drop => new[] { "mark_to_drop(sm);" },
        ClassActionKind.Port => new[] { $"sm.egress_spec = {I(action.Value)};" },
        ClassActionKind.Cpu => new[] { $"clone(CloneType.I2E, {I(action.Value)});   // the packet as it arrived, to the session's port" },
        ClassActionKind.Digest => new[] { $"digest<{DigestType}>({I(DigestReceiver)}, {{ {digested}, sm.ingress_port, h.{P4FeatureTransport.EthernetInstance}.src }});" },
        ClassActionKind.Dscp => DscpRewrite(action.Value),
        _ => Array.Empty<string>(),
    };

    /// <summary>
    /// A schedule's comment lines (each model's acting classes) and its digest struct, which also carries the index of
    /// the model whose class it reports.
    /// </summary>
    private static void WriteScheduleDeclarations(CodeWriter w, ModelFile file, ScheduleModel schedule)
    {
        if (!ClassActions.Any(file)) return;
        w.Line();
        w.Line("// Per-class actions (docs/actions.md) of the models that ran, in schedule order (docs/schedule.md): a drop wins,");
        w.Line("// the last port and DSCP set win, one copy to the CPU, one digest (of the last model asking for one).");
        for (int m = 0; m < schedule.Models.Count; m++)
        {
            var view = Schedules.View(file, m);
            foreach (var (c, action) in Acting(view))
                w.Line($"//   model {I(m)} '{Escaping.Comment(view.Name)}', class {I(c)} '{Escaping.Comment(view.Classes[c].Name)}': {Describe(action)}");
        }
        if (ClassActions.Uses(file, ClassActionKind.Digest))
            w.Line($"struct {DigestType} {{ bit<{P4FeatureTransport.ResultBits}> model_index; bit<{P4FeatureTransport.ResultBits}> class_index; bit<9> ingress_port; bit<48> eth_src; }}");
    }

    /// <summary>
    /// The actions of a schedule (<see cref="ClassActions.Fate(ModelFile, IReadOnlyList{int}, int)"/>): each model's port
    /// and DSCP actions on its result field, in schedule order, so the last one set wins; then the copy to the CPU, the
    /// digest and the drop, each written once, as a chain from the last model to the first: one copy, one digest (of the
    /// last model asking for one; a v1model digest call would otherwise replace an earlier one), and a drop no later
    /// port can undo. A model that did not run holds 255 in its result field, which no class equals.
    /// </summary>
    public static void WriteScheduleChains(CodeWriter w, ModelFile file, Func<int, string, ClassAction, IReadOnlyList<string>> statements)
    {
        if (!ClassActions.Any(file)) return;
        var schedule = Schedules.Of(file)!;
        var once = new[] { ClassActionKind.Cpu, ClassActionKind.Digest, ClassActionKind.Drop };
        w.Line("// per-class actions (docs/schedule.md): the models that ran act in schedule order; one copy, one digest, and a drop wins");
        IDisposable? guard = file.ReadsPacketFields ? null : w.Block($"if (h.{P4FeatureTransport.FeatureInstance}.isValid()) {{");
        var acting = Enumerable.Range(0, schedule.Models.Count).Select(m => Acting(Schedules.View(file, m))).ToList();
        for (int m = 0; m < schedule.Models.Count; m++)
        {
            string result = P4FeatureTransport.ResultRef(file, m);
            WriteBranches(w, Schedules.View(file, m), result, acting[m].Where(a => !once.Contains(a.Action.Kind)).ToList(), action => statements(m, result, action));
        }
        foreach (var kind in once)
        {
            int branch = 0;
            for (int m = schedule.Models.Count - 1; m >= 0; m--)
            {
                var classes = acting[m].Where(a => a.Action.Kind == kind).ToList();
                if (classes.Count == 0) continue;
                string result = P4FeatureTransport.ResultRef(file, m);
                string names = string.Join(", ", classes.Select(c => $"'{Escaping.Comment(schedule.Models[m].Classes[c.Class].Name)}'"));
                w.Line($"{(branch++ == 0 ? "" : "} else ")}if ({string.Join(" || ", classes.Select(c => $"{result} == {I(c.Class)}"))}) {{   // model '{Escaping.Comment(schedule.Models[m].Name)}', {names}: {Describe(classes[0].Action)}");
                w.Indent();
                foreach (var line in statements(m, result, classes[0].Action)) w.Line(line);
                w.Outdent();
            }
            if (branch > 0) w.Line("}");
        }
        guard?.Dispose();
    }

    /// <summary>
    /// The chain itself, for any P4 architecture: <c>if (result == c) { ... } else if ...</c> over the acting
    /// classes, inside <c>if (h.feat.isValid())</c> for a feature-header program (other packets have no class).
    /// </summary>
    public static void WriteChain(CodeWriter w, ModelFile model, string result, Func<ClassAction, IReadOnlyList<string>> statements)
    {
        var acting = Acting(model);
        if (acting.Count == 0) return;
        w.Line("// per-class actions (docs/actions.md): after the class is written; every action but drop also forwards");
        IDisposable? guard = model.ReadsPacketFields ? null : w.Block($"if (h.{P4FeatureTransport.FeatureInstance}.isValid()) {{");
        WriteBranches(w, model, result, acting, statements);
        guard?.Dispose();
    }

    private static void WriteBranches(CodeWriter w, ModelFile model, string result, IReadOnlyList<(int Class, ClassAction Action)> acting, Func<ClassAction, IReadOnlyList<string>> statements)
    {
        if (acting.Count == 0) return;
        for (int i = 0; i < acting.Count; i++)
        {
            var (c, action) = acting[i];
            w.Line($"{(i == 0 ? "" : "} else ")}if ({result} == {I(c)}) {{   // class {I(c)} '{Escaping.Comment(model.Classes[c].Name)}': {Describe(action)}");
            w.Indent();
            foreach (var line in statements(action)) w.Line(line);
            w.Outdent();
        }
        w.Line("}");
    }

    /// <summary>
    /// DSCP rewrite on the parsed IPv4 or IPv6 header. IPv4: the header checksum is updated incrementally
    /// (RFC 1624, HC' = ~(~HC + ~m + m')), where m and m' are the old and new DSCP bits in place in their 16-bit
    /// word: version, IHL and ECN are unchanged, so they cancel out of ~m + m'. The one's complement sum is
    /// taken in 32 bits and folded twice (three 16-bit terms carry at most 2), so no checksum extern over the
    /// option headers is needed and any options stay untouched. IPv6 has no header checksum.
    /// </summary>
    private static IReadOnlyList<string> DscpRewrite(int dscp)
    {
        string csum = "m." + ChecksumField;
        return new[]
        {
            "if (h.ipv4.isValid()) {",
            $"    {csum} = (bit<32>)(~h.ipv4.checksum) + (bit<32>)(~(((bit<16>)h.ipv4.dscp) << 2)) + {I(dscp << 2)};",
            $"    {csum} = ({csum} & 0xFFFF) + ({csum} >> 16);",
            $"    {csum} = ({csum} & 0xFFFF) + ({csum} >> 16);",
            $"    h.ipv4.checksum = ~((bit<16>){csum});",
            $"    h.ipv4.dscp = {I(dscp)};",
            "} else if (h.ipv6.isValid()) {",
            $"    h.ipv6.traffic_class = (h.ipv6.traffic_class & 0x03) | {Hex(dscp << 2, 2)};   // DSCP {I(dscp)}, ECN kept",
            "}",
        };
    }
}
