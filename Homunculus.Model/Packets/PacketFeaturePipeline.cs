using System;
using System.Collections.Generic;
using System.Linq;
using Homunculus.Model.Ir;

namespace Homunculus.Model.Packets
{
    /// <summary>
    /// The features of a stream of packets as a program computes them: packet fields from each frame
    /// (<see cref="PacketFieldExtractor"/>), flow fields from the packet's flow after it was counted
    /// (<see cref="FlowTable"/>), and whether the model decides for the packet (the classification point).
    /// Feed every packet of one traffic source in order; one pipeline per source.
    /// </summary>
    public sealed class PacketFeaturePipeline
    {
        private readonly PacketField?[] _packetFields;
        private readonly FlowField?[] _flowFields;
        private readonly FlowTable? _flows;

        /// <param name="fields">Per feature, the packet or flow field it reads.</param>
        /// <param name="flow">The flow table's settings; required when a field is a flow field or decisions wait for a packet count.</param>
        public PacketFeaturePipeline(IReadOnlyList<string> fields, FlowSettings? flow)
        {
            _packetFields = fields.Select(PacketFields.Find).ToArray();
            _flowFields = fields.Select(FlowFields.Find).ToArray();
            for (int i = 0; i < fields.Count; i++)
                if (_packetFields[i] is null && _flowFields[i] is null)
                    throw new ArgumentException($"'{fields[i]}' is neither a packet field nor a flow field", nameof(fields));
            if (flow is null && _flowFields.Any(f => f != null))
                throw new ArgumentException("flow fields need flow settings", nameof(flow));
            _flows = flow is null ? null : new FlowTable(flow);
        }

        /// <summary>The pipeline of a model file whose features are packet or flow fields.</summary>
        public static PacketFeaturePipeline For(ModelFile model) =>
            new PacketFeaturePipeline(model.Features.Select(f => f.Field ?? throw new ArgumentException($"feature '{f.Name}' reads the feature header")).ToList(), model.Flow);

        public int Count => _packetFields.Length;

        /// <summary>The packet count of the last observed packet's flow after counting it (0: no flow).</summary>
        public long LastFlowPackets { get; private set; }

        /// <summary>
        /// Observes one frame: fills <paramref name="values"/> (one raw value per feature) and returns whether
        /// the model decides for this packet.
        /// </summary>
        /// <param name="ingressPort">The switch port the frame arrived on (<c>ingress.port</c>); the flow key does not include it.</param>
        public bool Observe(byte[] frame, int offset, int length, long timestampMicroseconds, long[] values, int ingressPort = 0)
        {
            var flow = _flows?.Observe(frame, offset, length, timestampMicroseconds);
            LastFlowPackets = flow?.Packets ?? 0;
            var layout = PacketFieldExtractor.Parse(frame, offset, length);
            for (int i = 0; i < _packetFields.Length; i++)
                values[i] = _packetFields[i] is { } p ? PacketFieldExtractor.Read(p, layout, frame, offset, ingressPort) : FlowTable.Value(_flowFields[i]!, flow);
            return _flows?.Classifies(flow) ?? true;
        }

        public bool Observe(byte[] frame, long timestampMicroseconds, long[] values, int ingressPort = 0) => Observe(frame, 0, frame.Length, timestampMicroseconds, values, ingressPort);
    }
}
