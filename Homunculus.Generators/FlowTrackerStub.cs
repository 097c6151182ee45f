using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Packets;
using Homunculus.Model.Text;

namespace Homunculus.Generators
{
    /// <summary>
    /// The stub's nested <c>FlowTracker</c> for a model with flow state: the flow table of
    /// <see cref="FlowTable"/> (key, CRC-32 slot and fingerprint, collision and timeout rule, saturating and
    /// capped statistics), statement for statement, so a host that feeds it the packets the switch sees gets
    /// the switch's flow features and decisions (docs/flow-features.md). The tests compare it with the
    /// reference on every packet of the sample captures, in several orders and with a table small enough to collide.
    /// </summary>
    internal sealed class FlowTrackerStub
    {
        private readonly CodeWriter _w;
        private readonly ModelFile _model;
        private readonly IReadOnlyList<string> _fields;

        public FlowTrackerStub(CodeWriter w, ModelFile model, IReadOnlyList<string> fields)
        {
            _w = w;
            _model = model;
            _fields = fields;
        }

        private static string L(long value) => value.ToString(CultureInfo.InvariantCulture) + "L";

        private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

        private void Open(string line)
        {
            _w.Line(line);
            _w.Line("{");
            _w.Indent();
        }

        private void Close()
        {
            _w.Outdent();
            _w.Line("}");
        }

        public void Write()
        {
            var flow = _model.Flow!;
            string features = StubNames.FeaturesStruct;
            _w.Line();
            _w.Line("/// <summary>");
            _w.Line($"/// The switch's flow table in memory: {I(flow.TableSize)} slots keyed by the {(flow.Bidirectional ? "bidirectional" : "directional")} 5-tuple (CRC-32), a");
            _w.Line("/// slot starting afresh on a collision (the newer flow wins)" + (flow.TimeoutMicroseconds > 0 ? $" or after {L(flow.TimeoutMicroseconds).TrimEnd('L')} microseconds idle" : "") + ".");
            _w.Line("/// Feed it every packet the switch would see, in order, with its arrival time; not thread-safe.");
            _w.Line("/// </summary>");
            Open($"public sealed class {StubNames.FlowTracker}");
            _w.Line($"private const int TableSize = {I(flow.TableSize)};");
            _w.Line($"private const long TimeoutMicroseconds = {L(flow.TimeoutMicroseconds)};");
            _w.Line($"private const uint ClassifyAt = {I(flow.ClassifyAt)}u;");
            _w.Line($"private const long ClockMask = {L(FlowTable.ClockMask)};");
            _w.Line("private readonly uint[] _fingerprint = new uint[TableSize];");
            _w.Line("private readonly uint[] _packets = new uint[TableSize];");
            _w.Line("private readonly long[] _first = new long[TableSize];");
            _w.Line("private readonly long[] _last = new long[TableSize];");
            _w.Line("private readonly uint[] _bytes = new uint[TableSize];");
            _w.Line("private readonly int[] _minLength = new int[TableSize];");
            _w.Line("private readonly int[] _maxLength = new int[TableSize];");
            _w.Line("private readonly int[] _meanLength = new int[TableSize];");
            _w.Line("private readonly uint[] _minGap = new uint[TableSize];");
            _w.Line("private readonly uint[] _maxGap = new uint[TableSize];");
            _w.Line($"private readonly uint[] _flags = new uint[TableSize * {I(FlowTable.CountedFlags)}];   // per slot: FIN, SYN, RST, PSH, ACK, URG");
            _w.Line();
            _w.Line("/// <summary>");
            _w.Line("/// Counts one frame (raw Ethernet, no FCS) seen at <paramref name=\"timestampMicroseconds\"/> and returns its features:");
            _w.Line("/// packet fields as <c>FromPacket</c> reads them, flow fields of its flow after counting it (0 without IPv4/IPv6).");
            _w.Line("/// Returns whether the model decides for this packet (the switch's classification point).");
            if (PacketFieldStub.ReadsIngressPort(_model))
                _w.Line("/// <c>ingressPort</c> is the switch port the frame arrived on, in the switch's numbering (its low 9 bits are read; the flow key does not include it).");
            _w.Line("/// </summary>");
            Open($"public bool {StubNames.Observe}(global::System.ReadOnlySpan<byte> frame, long timestampMicroseconds, out {features} features{PacketFieldStub.PortParameter(_model)})");
            _w.Line($"{StubNames.ParseFrame}(frame, out int etherType, out int ipv4, out int ipv6, out int tcp, out int udp, out int icmp);");
            _w.Line($"features = {StubNames.ReadFields}(frame, etherType, ipv4, ipv6, tcp, udp, icmp{PacketFieldStub.PortArgument(_model)});");
            _w.Line("int ip = ipv4 >= 0 ? ipv4 : ipv6;");
            _w.Line("if (ip < 0) return ClassifyAt <= 1u;   // no flow: flow features stay 0");
            _w.Line("int addressBytes = ipv4 >= 0 ? 4 : 16;");
            _w.Line("int source = ip + (ipv4 >= 0 ? 12 : 8), destination = source + addressBytes;");
            _w.Line("int l4 = tcp >= 0 ? tcp : udp;");
            _w.Line("int sourcePort = l4 >= 0 ? (frame[l4] << 8) | frame[l4 + 1] : 0;");
            _w.Line("int destinationPort = l4 >= 0 ? (frame[l4 + 2] << 8) | frame[l4 + 3] : 0;");
            _w.Line("bool swap = false;");
            if (flow.Bidirectional)
            {
                _w.Line("// one flow for both directions: the larger endpoint (address, then port) goes second");
                _w.Line("int order = 0;");
                _w.Line("for (int i = 0; i < addressBytes && order == 0; i++) order = frame[source + i].CompareTo(frame[destination + i]);");
                _w.Line("swap = order > 0 || (order == 0 && sourcePort > destinationPort);");
            }
            _w.Line($"global::System.Span<byte> key = stackalloc byte[{I(FlowKey.Ipv6Bytes)}];");
            _w.Line("key = key.Slice(0, 2 * addressBytes + 5);");
            _w.Line("frame.Slice(swap ? destination : source, addressBytes).CopyTo(key);");
            _w.Line("frame.Slice(swap ? source : destination, addressBytes).CopyTo(key.Slice(addressBytes));");
            _w.Line("key[2 * addressBytes] = frame[ip + (ipv4 >= 0 ? 9 : 6)];");
            _w.Line("int first = swap ? destinationPort : sourcePort, second = swap ? sourcePort : destinationPort;");
            _w.Line("key[2 * addressBytes + 1] = (byte)(first >> 8);");
            _w.Line("key[2 * addressBytes + 2] = (byte)first;");
            _w.Line("key[2 * addressBytes + 3] = (byte)(second >> 8);");
            _w.Line("key[2 * addressBytes + 4] = (byte)second;");
            _w.Line($"uint crc = {StubNames.Crc32}(key);");
            _w.Line("int s = (int)(crc % (uint)TableSize);");
            _w.Line("uint fingerprint = crc % 0xFFFFFFFFu;");
            _w.Line("long now = timestampMicroseconds & ClockMask;");
            _w.Line("int length = frame.Length < 65535 ? frame.Length : 65535;");
            _w.Line("int flags = tcp >= 0 ? frame[tcp + 13] : 0;");
            _w.Line("long gap48 = (now - _last[s]) & ClockMask;");
            _w.Line("uint gap = gap48 > 0xFFFFFFFFL ? 0xFFFFFFFFu : (uint)gap48;");
            _w.Line("// a new flow when the slot is empty, holds another flow (a collision: the newer flow wins) or timed out");
            Open("if (_packets[s] == 0 || _fingerprint[s] != fingerprint || (TimeoutMicroseconds > 0 && gap48 > TimeoutMicroseconds))");
            _w.Line("_fingerprint[s] = fingerprint;");
            _w.Line("_packets[s] = 1;");
            _w.Line("_bytes[s] = (uint)length;");
            _w.Line("_first[s] = now;");
            _w.Line("_minLength[s] = _maxLength[s] = _meanLength[s] = length;");
            _w.Line("_minGap[s] = _maxGap[s] = 0;");
            _w.Line($"for (int b = 0; b < {I(FlowTable.CountedFlags)}; b++) _flags[s * {I(FlowTable.CountedFlags)} + b] = (uint)((flags >> b) & 1);");
            Close();
            Open("else");
            _w.Line("if (_packets[s] == 1) { _minGap[s] = gap; _maxGap[s] = gap; }");
            _w.Line("else { if (gap < _minGap[s]) _minGap[s] = gap; if (gap > _maxGap[s]) _maxGap[s] = gap; }");
            _w.Line("if (_packets[s] != 0xFFFFFFFFu) _packets[s]++;");
            _w.Line("_bytes[s] = _bytes[s] > 0xFFFFFFFFu - (uint)length ? 0xFFFFFFFFu : _bytes[s] + (uint)length;");
            _w.Line("if (length < _minLength[s]) _minLength[s] = length;");
            _w.Line("if (length > _maxLength[s]) _maxLength[s] = length;");
            _w.Line($"if (length >= _meanLength[s]) _meanLength[s] += (length - _meanLength[s]) >> {I(FlowTable.MeanShift)};");
            _w.Line($"else _meanLength[s] -= (_meanLength[s] - length) >> {I(FlowTable.MeanShift)};");
            _w.Line($"for (int b = 0; b < {I(FlowTable.CountedFlags)}; b++)");
            _w.Line($"    if (((flags >> b) & 1) != 0 && _flags[s * {I(FlowTable.CountedFlags)} + b] != 0xFFFFFFFFu) _flags[s * {I(FlowTable.CountedFlags)} + b]++;");
            Close();
            _w.Line("_last[s] = now;");
            for (int f = 0; f < _model.Features.Count; f++)
            {
                if (FlowFields.Find(_model.Features[f].Field) is not { } field) continue;
                string value = field.Statistic switch
                {
                    FlowStatistic.Packets => "_packets[s]",
                    FlowStatistic.Bytes => "_bytes[s]",
                    FlowStatistic.MinLength => "_minLength[s]",
                    FlowStatistic.MaxLength => "_maxLength[s]",
                    FlowStatistic.MeanLength => "_meanLength[s]",
                    FlowStatistic.MinInterArrival => "_minGap[s]",
                    FlowStatistic.MaxInterArrival => "_maxGap[s]",
                    FlowStatistic.Duration => "global::System.Math.Min((_last[s] - _first[s]) & ClockMask, 0xFFFFFFFFL)",
                    _ => $"_flags[s * {I(FlowTable.CountedFlags)} + {I(FlowTable.FlagBit(field.TcpFlag))}]",
                };
                _w.Line($"features.{_fields[f]} = {value};   // {Escaping.Comment(field.Name)}");
            }
            _w.Line("return ClassifyAt <= 1u || _packets[s] >= ClassifyAt;");
            Close();
            _w.Line();
            if (Schedules.Of(_model) is not null)
            {
                // A schedule decides one class per model (docs/schedule.md).
                _w.Line("/// <summary>Counts one frame; the schedule's decision when the models decide for it, else null (before the flow's classification point).</summary>");
                _w.Line($"public {StubNames.DecisionStruct}? {StubNames.Classify}(global::System.ReadOnlySpan<byte> frame, long timestampMicroseconds{PacketFieldStub.PortParameter(_model)}) =>");
                _w.Line($"    {StubNames.Observe}(frame, timestampMicroseconds, out var features{PacketFieldStub.PortArgument(_model)}) ? {StubNames.Decide}(features) : null;");
            }
            else
            {
                _w.Line("/// <summary>Counts one frame; its class when the model decides for it, else null (before the flow's classification point).</summary>");
                _w.Line($"public {StubNames.ClassEnum}? {StubNames.Classify}(global::System.ReadOnlySpan<byte> frame, long timestampMicroseconds{PacketFieldStub.PortParameter(_model)}) =>");
                _w.Line($"    {StubNames.Observe}(frame, timestampMicroseconds, out var features{PacketFieldStub.PortArgument(_model)}) ? {StubNames.Predict}(features) : null;");
            }
            Close();
            _w.Line();
            _w.Line("/// <summary>The standard CRC-32 (reflected 0x04C11DB7, initial and final 0xFFFFFFFF): the switch's flow hash.</summary>");
            Open($"private static uint {StubNames.Crc32}(global::System.ReadOnlySpan<byte> data)");
            _w.Line("uint crc = 0xFFFFFFFFu;");
            Open("foreach (byte b in data)");
            _w.Line("crc ^= b;");
            _w.Line("for (int i = 0; i < 8; i++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;");
            Close();
            _w.Line("return ~crc;");
            Close();
        }
    }
}
