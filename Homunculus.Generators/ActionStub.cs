using System.Collections.Generic;
using System.Globalization;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Text;
using E = Homunculus.Model.Packets.PacketFieldExtractor;

namespace Homunculus.Generators
{
    /// <summary>
    /// The stub's per-class actions (docs/actions.md), for a model that declares any: the <c>PacketAction</c> enum,
    /// <c>ActionOf(Class)</c> and <c>ActionArgument(Class)</c>, so host code acts on a class as the switch does, and,
    /// when a class sets the DSCP, <c>RewriteDscp(Span&lt;byte&gt;, int)</c>: the switch's rewrite, byte for byte
    /// (<see cref="ClassActions.RewriteDscp"/>; the tests compare the two on every sample packet).
    /// </summary>
    internal static class ActionStub
    {
        private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

        private static string Hex(int value) => "0x" + value.ToString("X4", CultureInfo.InvariantCulture);

        private static readonly (ClassActionKind Kind, string Doc)[] Kinds =
        {
            (ClassActionKind.Forward, "Out of the port the packet came in on (every class without an action)."),
            (ClassActionKind.Drop, "Not forwarded."),
            (ClassActionKind.Dscp, "Forwarded with the DSCP of its IPv4 or IPv6 header set to the action's argument (IPv4 checksum updated)."),
            (ClassActionKind.Port, "Forwarded out of the port that is the action's argument."),
            (ClassActionKind.Cpu, "Forwarded, and a copy goes to the CPU (the argument is the BMv2 clone session)."),
            (ClassActionKind.Digest, "Forwarded, and the control plane gets a digest: the class, the ingress port, the Ethernet source."),
        };

        public static void Write(CodeWriter w, ModelFile model, IReadOnlyList<string> classMembers)
        {
            w.Line();
            w.Line("/// <summary>What the switch does with a packet besides writing its class (docs/actions.md).</summary>");
            w.Line($"public enum {StubNames.PacketAction}");
            using (w.Block("{"))
            {
                foreach (var (kind, doc) in Kinds)
                {
                    w.Line($"/// <summary>{doc}</summary>");
                    w.Line($"{kind} = {I((int)kind)},");
                }
            }

            w.Line();
            w.Line("/// <summary>The action the switch takes for a packet of class <paramref name=\"cls\"/>.</summary>");
            WriteSwitch(w, model, classMembers, $"public static {StubNames.PacketAction} {StubNames.ActionOf}({StubNames.ClassEnum} cls)",
                a => a.Kind == ClassActionKind.Forward ? null : $"{StubNames.PacketAction}.{a.Kind}", $"{StubNames.PacketAction}.{ClassActionKind.Forward}");

            w.Line();
            w.Line("/// <summary>The argument of the action of class <paramref name=\"cls\"/>: the DSCP, the egress port or the clone session; 0 for the other actions.</summary>");
            WriteSwitch(w, model, classMembers, $"public static int {StubNames.ActionArgument}({StubNames.ClassEnum} cls)",
                a => a.Kind is ClassActionKind.Dscp or ClassActionKind.Port or ClassActionKind.Cpu ? I(a.Value) : null, "0");

            if (ClassActions.Uses(model, ClassActionKind.Dscp)) WriteRewriteDscp(w);
        }

        private static void WriteSwitch(CodeWriter w, ModelFile model, IReadOnlyList<string> classMembers, string signature, System.Func<ClassAction, string?> value, string fallback)
        {
            w.Line(signature);
            using (w.Block("{"))
            {
                w.Line("switch (cls)");
                using (w.Block("{"))
                {
                    for (int c = 0; c < model.Classes.Count; c++)
                    {
                        if (value(ClassActions.Of(model, c)) is { } v)
                            w.Line($"case {StubNames.ClassEnum}.{classMembers[c]}: return {v}; // '{Escaping.Comment(model.Classes[c].Name)}'");
                    }
                    w.Line($"default: return {fallback};");
                }
            }
        }

        /// <summary>The rewrite of <see cref="ClassActions.RewriteDscp"/> on a span, statement for statement.</summary>
        private static void WriteRewriteDscp(CodeWriter w)
        {
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Sets the DSCP of a raw Ethernet frame's IP header in place, as the switch does for a class whose action is");
            w.Line($"/// <see cref=\"{StubNames.PacketAction}.{ClassActionKind.Dscp}\"/>: the header found by the switch's parse rules (one 802.1Q tag, a whole");
            w.Line("/// fixed header); IPv4: ECN kept and the header checksum updated incrementally (RFC 1624); IPv6: the upper six bits");
            w.Line("/// of the traffic class. Returns false, leaving the frame unchanged, when it has no IPv4 or IPv6 header.");
            w.Line("/// </summary>");
            w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"dscp\"/> is not in 0..63.</exception>");
            w.Line($"public static bool {StubNames.RewriteDscp}(global::System.Span<byte> frame, int dscp)");
            using (w.Block("{"))
            {
                w.Line($"if (dscp < 0 || dscp > {I(ClassAction.MaxDscp)}) throw new global::System.ArgumentOutOfRangeException(nameof(dscp));");
                w.Line("int length = frame.Length;");
                w.Line($"if (length < {I(E.EthernetBytes)}) return false;");
                w.Line("int etherType = (frame[12] << 8) | frame[13];");
                w.Line($"int pos = {I(E.EthernetBytes)};");
                w.Line($"if (etherType == {Hex(E.EtherTypeVlan)} && length >= pos + {I(E.VlanBytes)})");
                using (w.Block("{"))
                {
                    w.Line("etherType = (frame[pos + 2] << 8) | frame[pos + 3];");
                    w.Line($"pos += {I(E.VlanBytes)};");
                }
                w.Line($"if (etherType == {Hex(E.EtherTypeIpv4)} && length >= pos + {I(E.Ipv4Bytes)})");
                using (w.Block("{"))
                {
                    w.Line("// HC' = ~(~HC + ~m + m') over the DSCP bits in place in their 16-bit word; the word's other bits cancel out.");
                    w.Line("int checksum = (frame[pos + 10] << 8) | frame[pos + 11];");
                    w.Line("int sum = (~checksum & 0xFFFF) + (~(frame[pos + 1] & 0xFC) & 0xFFFF) + (dscp << 2);");
                    w.Line("sum = (sum & 0xFFFF) + (sum >> 16);");
                    w.Line("sum = (sum & 0xFFFF) + (sum >> 16);");
                    w.Line("checksum = ~sum & 0xFFFF;");
                    w.Line("frame[pos + 1] = (byte)((dscp << 2) | (frame[pos + 1] & 0x03));");
                    w.Line("frame[pos + 10] = (byte)(checksum >> 8);");
                    w.Line("frame[pos + 11] = (byte)(checksum & 0xFF);");
                    w.Line("return true;");
                }
                w.Line($"if (etherType == {Hex(E.EtherTypeIpv6)} && length >= pos + {I(E.Ipv6Bytes)})");
                using (w.Block("{"))
                {
                    w.Line("// version (4 bits), traffic class (8), flow label (20): the DSCP is bits 4..9 of the header");
                    w.Line("frame[pos] = (byte)((frame[pos] & 0xF0) | (dscp >> 2));");
                    w.Line("frame[pos + 1] = (byte)(((dscp & 0x03) << 6) | (frame[pos + 1] & 0x3F));");
                    w.Line("return true;");
                }
                w.Line("return false;");
            }
        }
    }
}
