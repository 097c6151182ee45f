using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Text;

namespace Homunculus.Compiler.Emitters.Tna;

/// <summary>
/// Per-class actions (docs/actions.md) in a Tofino program: the same if/else-if chain on the class as the
/// bmv2 program (<see cref="P4Actions.WriteChain"/>), after the default egress is set, each branch a gateway
/// comparing the class with a constant. Drop sets <c>dprsr_md.drop_ctl</c>, a port overrides
/// <c>tm_md.ucast_egress_port</c>, cpu sets <c>tm_md.copy_to_cpu</c> (the copy leaves the traffic manager for
/// the CPU port the driver configures, so the clone session does not apply), digest sets
/// <c>dprsr_md.digest_type</c> and the ingress deparser packs the class, the ingress port (copied into
/// metadata: the deparser does not see the intrinsic metadata) and the Ethernet source. A DSCP rewrite is
/// refused at compile time (HMC2030): the IPv4 checksum would need the deparser's Checksum extern.
/// </summary>
public static class TnaActions
{
    /// <summary>The digest_type of the class digest.</summary>
    public const int DigestType = 1;

    public const string DigestInstance = "class_digest";

    /// <summary>The ingress port, for the digest packed in the deparser.</summary>
    public const string PortField = "m.act_ingress_port";

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The lowered program with the metadata the actions need (zeroed in the parser like the rest).</summary>
    /// <summary>In a schedule, the model whose class the digest carries (the deparser packs it with the class).</summary>
    public const string DigestModelField = "m.act_digest_model";

    /// <summary>In a schedule, the class the digest carries.</summary>
    public const string DigestClassField = "m.act_digest_class";

    public static TnaProgram Extend(ModelFile model, TnaProgram program)
    {
        if (!ClassActions.Uses(model, ClassActionKind.Digest)) return program;
        var metadata = program.Metadata.Append(new TnaField(PortField, 9, "per-class actions: the ingress port, for the class digest"));
        if (Schedules.Of(model) is not null)
            metadata = metadata.Concat(new[]
            {
                new TnaField(DigestModelField, P4FeatureTransport.ResultBits, "per-class actions: the model whose class the digest carries"),
                new TnaField(DigestClassField, P4FeatureTransport.ResultBits, "per-class actions: the class the digest carries"),
            });
        return program with { Metadata = metadata.ToList() };
    }

    /// <summary>The action chain, written right after <c>tm_md.ucast_egress_port = ig_md.ingress_port;</c>.</summary>
    public static void WriteApply(CodeWriter w, ModelFile model)
    {
        if (Schedules.Of(model) is not null)
        {
            P4Actions.WriteScheduleChains(w, model, (m, result, action) => action.Kind == ClassActionKind.Digest
                ? Statements(action).Concat(new[] { $"{DigestModelField} = {I(m)};", $"{DigestClassField} = {result};" }).ToList()
                : Statements(action));
            return;
        }
        P4Actions.WriteChain(w, model, P4FeatureTransport.ResultRef(model), Statements);
    }

    private static IReadOnlyList<string> Statements(ClassAction action) => action.Kind switch
    {
        ClassActionKind.Drop => new[] { "dprsr_md.drop_ctl = 1;" },
        ClassActionKind.Port => new[] { $"tm_md.ucast_egress_port = {I(action.Value)};" },
        ClassActionKind.Cpu => new[] { "tm_md.copy_to_cpu = 1;   // a copy to the CPU port" },
        ClassActionKind.Digest => new[] { $"dprsr_md.digest_type = {I(DigestType)};", $"{PortField} = ig_md.ingress_port;" },
        ClassActionKind.Forward => Array.Empty<string>(),
        _ => throw new NotSupportedException($"the Tofino program cannot carry out the action {action}"),
    };

    /// <summary>The ingress deparser's Digest instance (before its apply block).</summary>
    public static void WriteDeparserDeclarations(CodeWriter w, ModelFile model)
    {
        if (ClassActions.Uses(model, ClassActionKind.Digest))
            w.Line($"Digest<{P4Actions.DigestType}>() {DigestInstance};");
    }

    /// <summary>Packs the class digest when the ingress asked for it (inside the deparser's apply block).</summary>
    public static void WriteDeparserApply(CodeWriter w, ModelFile model)
    {
        if (!ClassActions.Uses(model, ClassActionKind.Digest)) return;
        var carried = Schedules.Of(model) is null ? new[] { P4FeatureTransport.ResultRef(model) } : new[] { DigestModelField, DigestClassField };
        string fields = string.Join(", ", carried.Concat(new[] { PortField, $"h.{P4FeatureTransport.EthernetInstance}.src" }));
        w.Line($"if (dprsr_md.digest_type == {I(DigestType)}) {{ {DigestInstance}.pack({{ {fields} }}); }}");
    }
}
