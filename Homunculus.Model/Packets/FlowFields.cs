using System;
using System.Collections.Generic;
using System.Linq;

namespace Homunculus.Model.Packets
{
    /// <summary>What a flow field accumulates over the packets of its flow (docs/flow-features.md).</summary>
    public enum FlowStatistic
    {
        Packets,
        Bytes,
        MinLength,
        MaxLength,
        MeanLength,
        MinInterArrival,
        MaxInterArrival,
        Duration,
        /// <summary>Packets with a given TCP flag set (<see cref="FlowField.TcpFlag"/>).</summary>
        TcpFlagCount,
    }

    /// <summary>
    /// One per-flow value a <c>flow</c> feature reads: the state of the packet's flow after the packet has been
    /// counted (<see cref="FlowTable"/> holds the semantics). Values are unsigned, <see cref="Bits"/> wide.
    /// </summary>
    public sealed class FlowField
    {
        internal FlowField(string name, FlowStatistic statistic, int bits, int tcpFlag, string register, string description)
        {
            Name = name;
            Statistic = statistic;
            Bits = bits;
            TcpFlag = tcpFlag;
            Register = register;
            Description = description;
        }

        /// <summary>The name written in the .hspec and recorded in the model file ("flow.packets").</summary>
        public string Name { get; }

        public FlowStatistic Statistic { get; }

        /// <summary>Width of the value and of the register that holds it.</summary>
        public int Bits { get; }

        public long Max => Bits >= 63 ? long.MaxValue : (1L << Bits) - 1;

        /// <summary>The TCP flag bit (0x01 FIN .. 0x80 CWR) a flag count counts; 0 for other statistics.</summary>
        public int TcpFlag { get; }

        /// <summary>Suffix of the register (and metadata field) that holds the value in generated P4.</summary>
        public string Register { get; }

        public string Description { get; }
    }

    /// <summary>The catalogue of flow fields a <c>flow</c> feature can read.</summary>
    public static class FlowFields
    {
        public const string Prefix = "flow.";

        private static readonly FlowField[] Catalogue =
        {
            new FlowField("flow.packets", FlowStatistic.Packets, 32, 0, "packets", "packets of the flow so far, this one included (saturates at 2^32-1)"),
            new FlowField("flow.bytes", FlowStatistic.Bytes, 32, 0, "bytes", "sum of the packet lengths (packet.length) so far (saturates at 2^32-1)"),
            new FlowField("flow.minLength", FlowStatistic.MinLength, 16, 0, "min_len", "smallest packet length so far"),
            new FlowField("flow.maxLength", FlowStatistic.MaxLength, 16, 0, "max_len", "largest packet length so far"),
            new FlowField("flow.meanLength", FlowStatistic.MeanLength, 16, 0, "mean_len", "moving mean of the packet length: the first length, then mean +- |length - mean| >> 3 (weight 1/8)"),
            new FlowField("flow.minInterArrival", FlowStatistic.MinInterArrival, 32, 0, "min_iat", "smallest gap between consecutive packets in microseconds (0 until the second packet)"),
            new FlowField("flow.maxInterArrival", FlowStatistic.MaxInterArrival, 32, 0, "max_iat", "largest gap between consecutive packets in microseconds (0 until the second packet)"),
            new FlowField("flow.duration", FlowStatistic.Duration, 32, 0, "duration", "microseconds since the flow's first packet"),
            new FlowField("flow.finCount", FlowStatistic.TcpFlagCount, 32, 0x01, "fin", "packets with TCP FIN set"),
            new FlowField("flow.synCount", FlowStatistic.TcpFlagCount, 32, 0x02, "syn", "packets with TCP SYN set"),
            new FlowField("flow.rstCount", FlowStatistic.TcpFlagCount, 32, 0x04, "rst", "packets with TCP RST set"),
            new FlowField("flow.pshCount", FlowStatistic.TcpFlagCount, 32, 0x08, "psh", "packets with TCP PSH set"),
            new FlowField("flow.ackCount", FlowStatistic.TcpFlagCount, 32, 0x10, "ack", "packets with TCP ACK set"),
            new FlowField("flow.urgCount", FlowStatistic.TcpFlagCount, 32, 0x20, "urg", "packets with TCP URG set"),
        };

        private static readonly Dictionary<string, FlowField> ByName = Catalogue.ToDictionary(f => f.Name, StringComparer.Ordinal);

        public static IReadOnlyList<FlowField> All { get; } = Array.AsReadOnly(Catalogue);

        public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(Catalogue.Select(f => f.Name).ToArray());

        /// <summary>The flow field of that exact name, else null.</summary>
        public static FlowField? Find(string? name) => name != null && ByName.TryGetValue(name, out var field) ? field : null;

        /// <summary>Whether a name is in the flow namespace (known or not), for diagnostics.</summary>
        public static bool IsFlowName(string? name) => name != null && name.StartsWith(Prefix, StringComparison.Ordinal);
    }
}
