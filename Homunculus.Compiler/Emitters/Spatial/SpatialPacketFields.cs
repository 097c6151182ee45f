using System;
using System.Collections.Generic;
using System.Linq;
using Homunculus.Model.Ir;
using Homunculus.Model.Packets;
using Homunculus.Model.Naming;

namespace Homunculus.Compiler.Emitters.Spatial;

/// <summary>
/// Packet-field programs on Taurus (docs/packet-features.md): the MapReduce block computes on feature values
/// and never sees the packet; in a Taurus switch the PISA parser and the match-action stages in front of the
/// block (preMATs) extract the fields and hand them in. So the Spatial program is the one a feature-header
/// program gets, one input per feature, and only says where the values come from.
/// </summary>
internal static class SpatialPacketFields
{
    /// <summary>Every feature is a header-borne value or a standard packet field (not per-flow state, which no PISA parser computes).</summary>
    public static bool Supports(ModelFile model) => model.Features.All(f => f.Field is null || PacketFields.Find(f.Field) is not null);

    /// <summary>The comment above the program's inputs.</summary>
    public static IReadOnlyList<string> InputsComment(ModelFile model) => model.ReadsPacketFields
        ? new[]
        {
            "The feature values, one argument each, in model order. They are standard packet fields: in a Taurus",
            "switch the PISA parser and the match-action stages in front of this block (preMATs) extract them with the",
            "semantics of docs/packet-features.md (a header the packet lacks gives 0) and hand them in unencoded.",
        }.Concat(model.Features.Any(f => PacketFields.Find(f.Field)?.Layer == PacketLayer.IngressPort)
            ? new[] { "ingress.port is not parsed: the preMATs hand in the switch's ingress port from its intrinsic metadata." }
            : Array.Empty<string>()).ToList()
        : new[] { "The encoded feature fields (docs/feature-header.md), one argument each, in model order." };

    /// <summary>", packet field ipv4.ttl" for a packet-field feature, else nothing.</summary>
    public static string Source(FeatureEncoding feature) => feature.Field is { } field ? $", packet field {Escaping.Comment(field)}" : "";
}
