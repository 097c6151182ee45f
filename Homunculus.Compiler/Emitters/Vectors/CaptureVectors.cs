using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Emitters.Spatial;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Packets;
using Homunculus.Model.Text;

namespace Homunculus.Compiler.Emitters.Vectors;

/// <summary>
/// The test vectors of a program whose features are packet or flow fields (docs/test-vectors.md): the real
/// frames of the captures the test set comes from. <c>input.pcap</c> holds the first frames of each capture,
/// concatenated in capture order, with their capture timestamps; <c>expected-classes.csv</c> the class the
/// program computes for each of them and <c>expected.pcap</c> the frames it sends back on the harness port,
/// both from the reference (<see cref="PacketFeaturePipeline"/>, <see cref="FeatureEncoder"/>,
/// <see cref="ReferenceInterpreter"/>, <see cref="ClassActions"/>) over input.pcap as one stream: a running
/// switch cannot reset its flow registers between captures, so the vectors expect what it computes. Every
/// frame is replayed on the harness port, so a program that reads <c>ingress.port</c> is expected to see that
/// port, not the port its capture declares: one port keeps the frame order of one stream, which flow state needs.
/// </summary>
public static class CaptureVectors
{
    /// <summary>At most this many frames go into input.pcap.</summary>
    public const int MaxFrames = 2000;

    /// <summary>The class of a packet the model does not decide for (before the flow's classification point).</summary>
    public const int NoDecision = 255;

    /// <summary>
    /// The frames that become vectors, as (capture, frame) positions in input.pcap order: the first N frames of
    /// each capture, N the largest that keeps the total at most <see cref="MaxFrames"/>, so every capture (and so
    /// every class with a capture) has frames in the vectors. With more captures than <see cref="MaxFrames"/>, one
    /// frame each of the first captures of every label in turn. Frames longer than the pcap snap length are left
    /// out (a capture with segmentation offload can hold them; the switch never receives them).
    /// </summary>
    public static IReadOnlyList<(int Capture, int Frame)> Take(IReadOnlyList<CaptureFrames> captures)
    {
        var order = Enumerable.Range(0, captures.Count).ToList();
        if (order.Count > MaxFrames)
        {
            order = order.GroupBy(c => captures[c].Label, StringComparer.Ordinal)
                .SelectMany(g => g.Select((c, rank) => (Capture: c, Rank: rank)))
                .OrderBy(t => t.Rank).ThenBy(t => t.Capture)
                .Take(MaxFrames).Select(t => t.Capture).Order().ToList();
        }
        long Total(int prefix) => order.Sum(c => (long)Math.Min(prefix, captures[c].Frames.Count));
        int low = 0, high = order.Count == 0 ? 0 : order.Max(c => captures[c].Frames.Count);
        while (low < high)
        {
            int mid = low + (high - low + 1) / 2;
            if (Total(mid) <= MaxFrames) low = mid;
            else high = mid - 1;
        }
        var taken = new List<(int, int)>();
        foreach (int c in order)
            for (int f = 0; f < Math.Min(low, captures[c].Frames.Count); f++)
                if (captures[c].Frames[f].CapturedLength <= Pcap.SnapLength) taken.Add((c, f));
        return taken;
    }

    /// <summary>The class the program computes for every frame of <paramref name="frames"/>, sent in order to a switch that just started.</summary>
    public static int[] Classes(ModelFile model, IReadOnlyList<(byte[] Frame, long TimestampMicroseconds)> frames) =>
        Classes(model, model.Flow, frames);

    private static int[] Classes(ModelFile model, FlowSettings? flow, IReadOnlyList<(byte[] Frame, long TimestampMicroseconds)> frames)
    {
        var pipeline = new PacketFeaturePipeline(model.Features.Select(f => f.Field!).ToList(), flow);
        var values = new long[model.Features.Count];
        var encoded = new long[model.Features.Count];
        var classes = new int[frames.Count];
        for (int i = 0; i < frames.Count; i++)
        {
            if (!pipeline.Observe(frames[i].Frame, frames[i].TimestampMicroseconds, values, VectorsEmitter.HarnessPort))
            {
                classes[i] = NoDecision;
                continue;
            }
            for (int f = 0; f < values.Length; f++) encoded[f] = FeatureEncoder.EncodeNumber(model.Features[f], values[f]);
            classes[i] = ReferenceInterpreter.Predict(model, encoded);
        }
        return classes;
    }

    public static IReadOnlyList<GeneratedFile> Emit(ModelFile model, IReadOnlyList<CaptureFrames> captures)
    {
        var taken = Take(captures);
        var frames = taken.Select(t => (Frame: captures[t.Capture].Frame(t.Frame), captures[t.Capture].Frames[t.Frame].TimestampMicroseconds)).ToList();
        var classes = Classes(model, frames);
        var input = new List<Pcap.Record>(frames.Count);
        var expected = new List<Pcap.Record>(frames.Count);
        var csv = new StringBuilder("frame,class,name,capture,selected\n");
        var facts = new Facts(model.Classes.Count);
        for (int i = 0; i < frames.Count; i++)
        {
            var (frame, timestamp) = frames[i];
            var stamp = (Seconds: (uint)(timestamp / 1_000_000), Micros: (uint)(timestamp % 1_000_000));
            input.Add(new Pcap.Record(stamp.Seconds, stamp.Micros, frame));
            int cls = classes[i];
            var (capture, index) = taken[i];
            bool selected = captures[capture].Selected[index];
            facts.Count(cls, selected);
            string name = cls == NoDecision ? "" : model.Classes[cls].Name;
            csv.Append(CultureInfo.InvariantCulture, $"{i},{cls},{Csv(name)},{capture + 1},{(selected ? 1 : 0)}\n");

            // A packet without a decision has no class to act on: it is forwarded as it came.
            var fate = ClassActions.Fate(ClassActions.Of(model, cls == NoDecision ? -1 : cls), VectorsEmitter.HarnessPort);
            if (fate.Dropped || fate.EgressPort != VectorsEmitter.HarnessPort) continue;
            var sent = frame;
            if (fate.Dscp >= 0)
            {
                sent = (byte[])frame.Clone();
                if (ClassActions.RewriteDscp(sent, 0, sent.Length, fate.Dscp)) facts.Rewritten++;
            }
            expected.Add(new Pcap.Record(stamp.Seconds, stamp.Micros, sent));
        }
        facts.Returned = expected.Count;

        int? timeoutChanges = null;
        if (model.Flow is { TimeoutMicroseconds: > 0 } flow && TimingFeatures(model).Count == 0)
        {
            var untimed = Classes(model, flow with { TimeoutMicroseconds = 0 }, frames);
            timeoutChanges = Enumerable.Range(0, frames.Count).Count(i => untimed[i] != classes[i]);
        }
        return new[]
        {
            GeneratedFile.Binary(VectorsEmitter.InputFile, Pcap.Write(input)),
            GeneratedFile.Binary(VectorsEmitter.ExpectedFile, Pcap.Write(expected)),
            new GeneratedFile(VectorsEmitter.ClassesFile, csv.ToString()),
            new GeneratedFile(VectorsEmitter.ReadmeFile, Readme(model, captures, taken, facts, timeoutChanges)),
        };
    }

    private static bool ReadsIngressPort(ModelFile model) =>
        model.Features.Any(f => PacketFields.Find(f.Field)?.Layer == PacketLayer.IngressPort);

    /// <summary>The model's features whose values depend on when packets arrive.</summary>
    public static IReadOnlyList<string> TimingFeatures(ModelFile model) =>
        model.Features.Select(f => FlowFields.Find(f.Field)).Where(f => f is { Statistic: FlowStatistic.MinInterArrival or FlowStatistic.MaxInterArrival or FlowStatistic.Duration })
            .Select(f => f!.Name).Distinct(StringComparer.Ordinal).ToList();

    private sealed class Facts
    {
        public Facts(int classes) => PerClass = new int[classes];

        public readonly int[] PerClass;
        public int Undecided, Selected, SelectedDecided, Rewritten, Returned;

        public void Count(int cls, bool selected)
        {
            if (cls == NoDecision) Undecided++;
            else PerClass[cls]++;
            if (selected) Selected++;
            if (selected && cls != NoDecision) SelectedDecided++;
        }

        public int Frames => PerClass.Sum() + Undecided;
    }

    /// <summary>RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.</summary>
    private static string Csv(string field) =>
        field.IndexOfAny(new[] { ',', '"', '\n', '\r' }) < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";

    private static string Readme(ModelFile model, IReadOnlyList<CaptureFrames> captures, IReadOnlyList<(int Capture, int Frame)> taken, Facts facts, int? timeoutChanges)
    {
        var inv = CultureInfo.InvariantCulture;
        string p4 = Identifiers.Snake(model.Name);
        bool flows = model.KeepsFlowState;
        var timing = TimingFeatures(model);
        var w = new CodeWriter();
        VectorsEmitter.ReadmeTitle(w, model);
        w.Line();
        var used = taken.GroupBy(t => t.Capture).ToDictionary(g => g.Key, g => g.Count());
        int prefix = used.Count == 0 ? 0 : used.Max(u => u.Value);
        bool whole = used.All(u => u.Value == captures[u.Key].Frames.Count);
        w.Line(string.Create(inv, $"The program reads {(flows ? "packet and flow fields" : "packet fields")} (docs/{(flows ? "flow" : "packet")}-features.md), so its test vectors are real packets: the frames of the captures the test set comes from, as they were captured."));
        w.Line();
        string which = whole
            ? $"every frame of the {used.Count} captures below"
            : $"the first {prefix} frames of each of the {used.Count} captures below (all of a shorter one; at most {MaxFrames} in all)";
        w.Line(string.Create(inv, $"- `input.pcap`: {facts.Frames} frames: {which}, one capture after the other in the order below, each frame with its capture timestamp (microseconds)."));
        w.Line(string.Create(inv, $"- `expected.pcap`: the {facts.Returned} frames the program sends back on port {VectorsEmitter.HarnessPort}, the harness's port, with their input timestamps. The program writes the class into metadata (`m.result`), not into the packet, so a forwarded frame leaves byte for byte as it came{(ClassActions.Any(model) ? " unless its class's action changes that (below)" : "")}."));
        w.Line(flows
            ? $"- `expected-classes.csv`: one line per frame of `input.pcap`: `frame` (its 0-based position), `class` (the class index the program computes, {NoDecision} = no decision), `name` (the class's name, empty for {NoDecision}), `capture` (the capture it comes from, numbered as below) and `selected` (1 when the capture's source-MAC filter selects the frame, or there is no filter; the selected frames the model decides for are test rows)."
            : "- `expected-classes.csv`: one line per frame of `input.pcap`: `frame` (its 0-based position), `class` (the class index the program computes), `name` (the class's name), `capture` (the capture it comes from, numbered as below) and `selected` (1 when the capture's source-MAC filter selects the frame, or there is no filter; the selected frames are test rows).");
        w.Line();
        w.Line($"The classes are the reference's (the packet-field extractor{(flows ? ", the flow table" : "")} and the interpreter that the C# stub copies) for `input.pcap` sent as one stream{(flows ? " to a switch that starts with empty registers" : "")}, which is exactly what the program computes.");
        w.Line();
        w.Line("| index | class | frames |" + (ClassActions.Any(model) ? " action |" : ""));
        w.Line("|---|---|---|" + (ClassActions.Any(model) ? "---|" : ""));
        for (int c = 0; c < facts.PerClass.Length; c++)
            w.Line(string.Create(inv, $"| {c} | {VectorsEmitter.Text(model.Classes[c].Name)} | {facts.PerClass[c]} |") + (ClassActions.Any(model) ? $" {Action(ClassActions.Of(model, c))} |" : ""));
        if (flows) w.Line(string.Create(inv, $"| {NoDecision} | (no decision) | {facts.Undecided} |") + (ClassActions.Any(model) ? " forward |" : ""));
        w.Line();
        w.Line(string.Create(inv, $"{facts.Selected} of the frames are selected by the source-MAC filter{(flows ? $"; the model decides for {facts.SelectedDecided} of them" : "")}."));
        w.Line();
        bool port = ReadsIngressPort(model);
        w.Line("| capture | label | frames of input.pcap | frames in the capture |" + (port ? " declared ingressPort |" : ""));
        w.Line("|---|---|---|---|" + (port ? "---|" : ""));
        int first = 0;
        foreach (var (capture, count) in used.OrderBy(u => u.Key))
        {
            w.Line(string.Create(inv, $"| {capture + 1} | {VectorsEmitter.Text(captures[capture].Label)} | {first}-{first + count - 1} | {captures[capture].Frames.Count} |")
                + (port ? string.Create(inv, $" {(captures[capture].IngressPort is int declared ? declared.ToString(inv) : "(none)")} |") : ""));
            first += count;
        }
        if (port)
        {
            w.Line();
            w.Line("### Ingress port");
            w.Line();
            w.Line(string.Create(inv, $"The program reads the port a packet arrives on (`ingress.port`). The replay below sends every frame of `input.pcap` on port {VectorsEmitter.HarnessPort}, the harness's port, so every expected class is computed with port {VectorsEmitter.HarnessPort}, whatever port its capture declares (`ingressPort` in the .hspec, the column above). The test rows use each capture's declared port, so a class here can differ from its test row's; the vectors check that the program computes what the reference computes, not the test score. To check a capture on the port it declares, replay it on that port (`-i N@portN` reads `portN_in.pcap`) and compute its classes with the C# stub ({(flows ? "`FlowTracker.Classify(frame, timestampMicroseconds, N)`" : "`Predict(FromPacket(frame, N))`")})."));
        }
        if (ClassActions.Any(model))
        {
            w.Line();
            w.Line(string.Create(inv, $"Per-class actions (docs/actions.md) apply: the frames of a class that is dropped or sent out of another port than {VectorsEmitter.HarnessPort} are not in `expected.pcap`{(facts.Rewritten > 0 ? $"; {facts.Rewritten} frames are there with their DSCP rewritten (and the IPv4 header checksum updated), as the switch rewrites them" : "")}; copies to the CPU and digests do not appear on port {VectorsEmitter.HarnessPort}."));
        }
        w.Line();
        w.Line("## BMv2 (simple_switch), offline");
        w.Line();
        VectorsEmitter.Bmv2Replay(w, p4);
        w.Line();
        w.Line("`--use-files` sends the frames of `input.pcap` in file order. The output capture must equal `expected.pcap` frame for frame. A program compiled with `-DHOMUNCULUS_CONTROL_PLANE_ENTRIES` needs `bmv2/" + p4 + ".commands.txt` (when there is one) loaded with `simple_switch_CLI` first (raise the `--use-files` wait to leave time for it).");
        w.Line();
        w.Line("### Checking the classes");
        w.Line();
        w.Line("The class is in metadata (`m.result`), so the output frames do not show it: compare the switch's classes, in frame order, with the `class` column of `expected-classes.csv`. Two ways:");
        w.Line();
        w.Line("- The switch log: add `log_msg(\"class={}\", {m.result});` (v1model's `log_msg` extern) as the last statement of the ingress's `apply` block of a copy of the program, compile that copy, run `simple_switch` with `--log-console` as above, and compare the logged classes with the column.");
        w.Line("- A digest or an action: with `\"actions\"` giving every class `\"digest\"` (docs/actions.md), each packet sends the controller a digest that carries its class, in packet order; an action that drops or rewrites packets of a class shows in the output capture.");
        if (flows)
        {
            w.Line();
            w.Line("### Flow state");
            w.Line();
            w.Line("- The registers must start empty: use a freshly started `simple_switch` for every replay.");
            w.Line("- `input.pcap` holds each capture's frames contiguously, one capture after the other. A flow table belongs to one traffic source, and a running switch cannot reset its registers between captures, so the expected classes are computed over the concatenated stream as one source: a flow that occurs in two captures continues from one into the next, colliding slots keep the newest flow, as on the switch. (Training and the test score use one table per capture, so a few classes here can differ from the test rows'.)");
            if (timing.Count > 0 || model.Flow!.TimeoutMicroseconds > 0)
            {
                var parts = timing.Select(t => $"`{t}`").ToList();
                if (model.Flow!.TimeoutMicroseconds > 0) parts.Add(string.Create(inv, $"the flow timeout ({model.Flow.TimeoutMicroseconds / 1e6:0.######} s)"));
                w.Line();
                w.Line("### Timing");
                w.Line();
                w.Line($"The program depends on when packets arrive: {string.Join(", ", parts)}. The expected classes use the captures' timestamps as the switch's clock (`ingress_global_timestamp`), and across captures the time jumps as the timestamps do. A replay does not keep the capture's timing: `--use-files` sends the frames as fast as the switch takes them, and the switch stamps them with its own clock. So only what does not depend on timing is reproducible by a replay: the features that are not timing features, the classes of the frames whose decision does not depend on the gaps{(ClassActions.Any(model) ? "" : ", and `expected.pcap`, which holds every frame whatever its class")}. A class that depends on a gap or on the timeout can differ{(ClassActions.Any(model) ? ", and with it the frame's fate in `expected.pcap`" : "")}.");
                if (timeoutChanges is int changes)
                    w.Line(string.Create(inv, $"A replay faster than the timeout never reaches it: without the timeout, {changes} of the {facts.Frames} frames would get another class{(changes == 0 ? ", so the replay reproduces every class" : "")}."));
            }
        }
        w.Line();
        w.Line("## Other targets");
        w.Line();
        w.Line(flows
            ? "Flow state is generated for BMv2 only (docs/flow-features.md)."
            : $"The Tofino program (`tna/`, when generated) parses the same frames with the same rules: send `input.pcap` and compare with `expected.pcap` the same way. The Spatial program (`taurus/{SpatialEmitter.ObjectName(model.Name)}.scala`) takes the field values, one argument per feature, which the switch's parser in front of it extracts.");
        return w.ToString();
    }

    private static string Action(ClassAction action) => action.Kind switch
    {
        ClassActionKind.Drop => "drop",
        ClassActionKind.Dscp => string.Create(CultureInfo.InvariantCulture, $"DSCP {action.Value}"),
        ClassActionKind.Port => string.Create(CultureInfo.InvariantCulture, $"port {action.Value}"),
        ClassActionKind.Cpu => string.Create(CultureInfo.InvariantCulture, $"forward, copy to the CPU (session {action.Value})"),
        ClassActionKind.Digest => "forward, digest",
        _ => "forward",
    };
}
