using System;
using System.Linq;
using Homunculus.Model.Ir;
using Homunculus.Model.Packets;

namespace Homunculus.Model.Interpretation
{
    /// <summary>What the switch does with one classified packet (docs/actions.md).</summary>
    public readonly struct PacketFate
    {
        public PacketFate(bool dropped, int egressPort, int cloneSession, bool digest, int dscp, int digestModel = 0)
        {
            Dropped = dropped;
            EgressPort = egressPort;
            CloneSession = cloneSession;
            Digest = digest;
            Dscp = dscp;
            DigestModel = digestModel;
        }

        public bool Dropped { get; }

        /// <summary>The port the packet leaves by (meaningless when <see cref="Dropped"/>).</summary>
        public int EgressPort { get; }

        /// <summary>The clone session of the copy to the CPU; -1: no copy.</summary>
        public int CloneSession { get; }

        /// <summary>Whether the control plane gets a digest of the packet.</summary>
        public bool Digest { get; }

        /// <summary>The DSCP written into the packet's IPv4 or IPv6 header; -1: none.</summary>
        public int Dscp { get; }

        /// <summary>In a schedule, the model (schedule index) whose class the digest carries; 0 for a single model.</summary>
        public int DigestModel { get; }
    }

    /// <summary>
    /// The reference semantics of per-class actions: what every generated program does after writing the class,
    /// and what the C# stub's <c>RewriteDscp</c> copies byte for byte. The tests check the BMv2 program (executed)
    /// and the stub against these functions.
    /// </summary>
    public static class ClassActions
    {
        private static readonly ClassAction ForwardAction = new ClassAction { Kind = ClassActionKind.Forward };

        /// <summary>The action of class <paramref name="cls"/>: forward when it has none (or is not a class of the model).</summary>
        public static ClassAction Of(ModelFile model, int cls) =>
            cls >= 0 && cls < model.Classes.Count && model.Classes[cls].Action is { } action ? action : ForwardAction;

        /// <summary>The action of class <paramref name="cls"/> among <paramref name="classes"/>: forward when it has none (or is no class).</summary>
        public static ClassAction Of(EquatableArray<ClassInfo> classes, int cls) =>
            cls >= 0 && cls < classes.Count && classes[cls].Action is { } action ? action : ForwardAction;

        /// <summary>
        /// Whether any class does more than forward (in a schedule: any class of any model): only then do programs and
        /// stubs carry action code.
        /// </summary>
        public static bool Any(ModelFile model) => ClassLists(model).Any(l => l.Any(c => c.Action is { } a && a.Kind != ClassActionKind.Forward));

        public static bool Uses(ModelFile model, ClassActionKind kind) => ClassLists(model).Any(l => l.Any(c => c.Action is { } a && a.Kind == kind));

        private static EquatableArray<ClassInfo>[] ClassLists(ModelFile model) =>
            Schedules.Of(model) is { } schedule ? schedule.Models.Select(m => m.Classes).ToArray() : new[] { model.Classes };

        /// <summary>
        /// The fate of a packet with the decision <paramref name="decision"/> (<see cref="ReferenceInterpreter.Decide"/>:
        /// per model its class, or <see cref="ReferenceInterpreter.NotRun"/>). A single model: the action of its class. A
        /// schedule (docs/schedule.md): the models that ran apply their classes' actions in schedule order, so a drop
        /// wins over everything, the last port set is the egress port, the last DSCP set is the DSCP, a copy goes to the
        /// CPU when any model asks for one (one copy: the clone session is the .hspec's), and the digest is one per
        /// packet, carrying the class of the last model that asks for one.
        /// </summary>
        public static PacketFate Fate(ModelFile model, System.Collections.Generic.IReadOnlyList<int> decision, int ingressPort)
        {
            if (Schedules.Of(model) is not { } schedule) return Fate(Of(model, decision[0]), ingressPort);
            bool dropped = false, digest = false;
            int port = ingressPort, clone = -1, dscp = -1, digestModel = 0;
            for (int m = 0; m < schedule.Models.Count; m++)
            {
                var action = Of(schedule.Models[m].Classes, decision[m]);
                switch (action.Kind)
                {
                    case ClassActionKind.Drop: dropped = true; break;
                    case ClassActionKind.Port: port = action.Value; break;
                    case ClassActionKind.Cpu: clone = action.Value; break;
                    case ClassActionKind.Digest: digest = true; digestModel = m; break;
                    case ClassActionKind.Dscp: dscp = action.Value; break;
                }
            }
            return new PacketFate(dropped, port, clone, digest, dscp, digestModel);
        }

        /// <summary>The fate of a packet of a class with <paramref name="action"/> that came in on <paramref name="ingressPort"/>.</summary>
        public static PacketFate Fate(ClassAction action, int ingressPort)
        {
            switch (action.Kind)
            {
                case ClassActionKind.Drop: return new PacketFate(true, ingressPort, -1, false, -1);
                case ClassActionKind.Port: return new PacketFate(false, action.Value, -1, false, -1);
                case ClassActionKind.Cpu: return new PacketFate(false, ingressPort, action.Value, false, -1);
                case ClassActionKind.Digest: return new PacketFate(false, ingressPort, -1, true, -1);
                case ClassActionKind.Dscp: return new PacketFate(false, ingressPort, -1, false, action.Value);
                default: return new PacketFate(false, ingressPort, -1, false, -1);
            }
        }

        /// <summary>
        /// Sets the DSCP of the frame's IP header in place, as the switch does; false (frame unchanged) when the
        /// frame has no IPv4 or IPv6 header by the parse rules of <see cref="PacketFieldExtractor"/> (one 802.1Q tag,
        /// a whole fixed header). IPv4: the 6 DSCP bits of byte 1, ECN kept, and the header checksum updated
        /// incrementally (RFC 1624, HC' = ~(~HC + ~m + m'), with m and m' the DSCP bits in place in their 16-bit
        /// word: the other bits of the word cancel out), so a header whose checksum was right stays right, and one
        /// whose checksum was wrong stays wrong by as much. IPv6: the upper 6 bits of the traffic class.
        /// </summary>
        public static bool RewriteDscp(byte[] frame, int offset, int length, int dscp)
        {
            if (dscp < 0 || dscp > ClassAction.MaxDscp) throw new ArgumentOutOfRangeException(nameof(dscp));
            var layout = PacketFieldExtractor.Parse(frame, offset, length);
            if (layout.Ipv4 >= 0)
            {
                int at = offset + layout.Ipv4;
                int oldBits = frame[at + 1] & 0xFC;
                int newBits = dscp << 2;
                int checksum = (frame[at + 10] << 8) | frame[at + 11];
                int sum = (~checksum & 0xFFFF) + (~oldBits & 0xFFFF) + newBits;
                sum = (sum & 0xFFFF) + (sum >> 16);
                sum = (sum & 0xFFFF) + (sum >> 16);
                checksum = ~sum & 0xFFFF;
                frame[at + 1] = (byte)(newBits | (frame[at + 1] & 0x03));
                frame[at + 10] = (byte)(checksum >> 8);
                frame[at + 11] = (byte)checksum;
                return true;
            }
            if (layout.Ipv6 >= 0)
            {
                // Version (4 bits), traffic class (8), flow label (20): the DSCP is bits 4..9 of the header.
                int at = offset + layout.Ipv6;
                frame[at] = (byte)((frame[at] & 0xF0) | (dscp >> 2));
                frame[at + 1] = (byte)(((dscp & 0x03) << 6) | (frame[at + 1] & 0x3F));
                return true;
            }
            return false;
        }

        /// <summary>The one's complement sum of the IPv4 header at <paramref name="at"/> (checksum included): 0xFFFF when it verifies.</summary>
        public static int Ipv4HeaderSum(byte[] frame, int at)
        {
            int words = (frame[at] & 0x0F) * 2;
            int sum = 0;
            for (int i = 0; i < words; i++) sum += (frame[at + 2 * i] << 8) | frame[at + 2 * i + 1];
            while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
            return sum;
        }
    }
}
