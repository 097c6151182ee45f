using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Compiler.Emitters.Spatial;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Homunculus.Model.Text;

namespace Homunculus.Compiler.Emitters.Vectors;

/// <summary>
/// Encoded rows (the integers the switch sees, in model feature order) that the compilation hands to
/// emitters that need data: the first <see cref="MaxRows"/> test rows. Only integers cross over, never
/// training objects, so the vectors emitter still reads the model file and nothing else about the model.
/// </summary>
public sealed class VectorRows
{
    /// <summary>At most this many test rows become test vectors (in test-set order).</summary>
    public const int MaxRows = 1000;

    public VectorRows(IReadOnlyList<IReadOnlyList<long>> rows) => Rows = rows;

    public IReadOnlyList<IReadOnlyList<long>> Rows { get; }

    /// <summary>
    /// Pcap data: the captures the test rows come from, every frame of each (a packet-field or flow program's
    /// vectors are real frames, not encoded rows); null for CSV data.
    /// </summary>
    public IReadOnlyList<CaptureFrames>? Captures { get; init; }

    /// <summary>The first <see cref="MaxRows"/> rows of <paramref name="test"/>.</summary>
    public static VectorRows From(Dataset test) =>
        new(Enumerable.Range(0, Math.Min(test.Rows, MaxRows)).Select(r => (IReadOnlyList<long>)test.Row(r)).ToList());

    /// <summary>The first <see cref="MaxRows"/> test rows and, for pcap data, the test captures.</summary>
    public static VectorRows From(LoadedData data) => new(From(data.Test).Rows) { Captures = data.TestCaptures };
}

/// <summary>An emitter that needs the test rows besides the model file (the compilation hands them over).</summary>
public interface IVectorEmitter : IEmitter
{
    IReadOnlyList<GeneratedFile> Emit(ModelFile model, VectorRows rows);
}

/// <summary>
/// Test vectors for every generated program (docs/test-vectors.md): <c>vectors/input.pcap</c> (one
/// feature packet per test row, <c>result</c> = 0), <c>vectors/expected.pcap</c> (the same frames with
/// <c>result</c> = the class <see cref="ReferenceInterpreter.Predict"/> gives, which the C# stub and
/// every program compute bit-exactly) and <c>vectors/README.md</c> (how to check the BMv2 program
/// offline). Deterministic: frame i is stamped i milliseconds after the epoch. A program on packet or
/// flow fields gets the test captures' real frames instead (<see cref="CaptureVectors"/>).
/// </summary>
public sealed class VectorsEmitter : IVectorEmitter
{
    public const string Folder = "vectors";
    public const string InputFile = Folder + "/input.pcap";
    public const string ExpectedFile = Folder + "/expected.pcap";
    public const string ReadmeFile = Folder + "/README.md";
    /// <summary>Programs on packet or flow fields: the class the program computes for each frame of input.pcap.</summary>
    public const string ClassesFile = Folder + "/expected-classes.csv";

    public string Target => Folder;

    /// <remarks>A flow program's class 255 means "no decision", so it can have 255 classes at most.</remarks>
    public bool Supports(ModelFile model) =>
        Schedules.Of(model) is not null ? ScheduleVectors.Supports(model) :
        model.Model is MlpModel or TreeEnsembleModel
        && model.Features.Count > 0
        && model.Classes.Count > 0
        && model.Classes.Count <= (model.KeepsFlowState ? CaptureVectors.NoDecision : 256);

    /// <summary>Without rows there are no vectors: the compilation calls <see cref="Emit(ModelFile, VectorRows)"/>.</summary>
    public IReadOnlyList<GeneratedFile> Emit(ModelFile model) => Array.Empty<GeneratedFile>();

    public IReadOnlyList<GeneratedFile> Emit(ModelFile model, VectorRows rows)
    {
        if (!Supports(model)) throw new NotSupportedException($"no test vectors for model kind '{model.Model.Kind}' of this shape");
        if (Schedules.Of(model) is not null) return ScheduleVectors.Emit(model, rows);
        // A program on packet fields reads real packets: its vectors are the test captures' frames.
        if (model.ReadsPacketFields) return rows.Captures is { } captures ? CaptureVectors.Emit(model, captures) : Array.Empty<GeneratedFile>();
        var input = new List<Pcap.Record>(rows.Rows.Count);
        var expected = new List<Pcap.Record>(rows.Rows.Count);
        var counts = new int[model.Classes.Count];
        for (int i = 0; i < rows.Rows.Count; i++)
        {
            var row = rows.Rows[i];
            int predicted = ReferenceInterpreter.Predict(model, row);
            counts[predicted]++;
            uint seconds = (uint)(i / 1000), micros = (uint)(i % 1000 * 1000);
            input.Add(new Pcap.Record(seconds, micros, FeaturePacket.Encode(model, row, 0)));
            if (ReturnsToHarness(model, predicted)) expected.Add(new Pcap.Record(seconds, micros, FeaturePacket.Encode(model, row, (byte)predicted)));
        }
        return new[]
        {
            GeneratedFile.Binary(InputFile, Pcap.Write(input)),
            GeneratedFile.Binary(ExpectedFile, Pcap.Write(expected)),
            new GeneratedFile(ReadmeFile, Readme(model, rows.Rows.Count, counts)),
        };
    }

    /// <summary>The port the README's harness sends the packets in on.</summary>
    public const int HarnessPort = 0;

    /// <summary>Whether a packet of class <paramref name="cls"/> comes back on the harness port (per-class actions may drop it or send it elsewhere).</summary>
    public static bool ReturnsToHarness(ModelFile model, int cls)
    {
        var fate = ClassActions.Fate(ClassActions.Of(model, cls), HarnessPort);
        return !fate.Dropped && fate.EgressPort == HarnessPort;
    }

    private static string Readme(ModelFile model, int count, int[] counts)
    {
        var inv = CultureInfo.InvariantCulture;
        string p4 = Identifiers.Snake(model.Name);
        string header = string.Join(" + ", model.Features.Select(f => $"{f.FieldBits}"));
        var w = new CodeWriter();
        ReadmeTitle(w, model);
        w.Line();
        w.Line(string.Create(inv, $"`input.pcap` holds {count} feature packets, one per test row (the first {count} rows of the test set, at most {VectorRows.MaxRows}), encoded as docs/feature-header.md says: Ethernet, EtherType 0x88B5, one big-endian field per feature ({header} bits), `result` = 0, padded to {FeaturePacket.MinimumFrameBytes} bytes. `expected.pcap` holds the same frames with `result` (byte {FeaturePacket.ResultOffset(model)} of the frame) set to the class the reference interpreter (and the C# stub) predicts. Classic libpcap files, Ethernet link type, frame i stamped i ms after the epoch."));
        w.Line();
        w.Line("Expected classes:");
        w.Line();
        w.Line("| index | class | packets |");
        w.Line("|---|---|---|");
        for (int c = 0; c < counts.Length; c++) w.Line(string.Create(inv, $"| {c} | {Text(model.Classes[c].Name)} | {counts[c]} |"));
        w.Line();
        w.Line("## BMv2 (simple_switch), offline");
        w.Line();
        Bmv2Replay(w, p4);
        w.Line();
        w.Line("The program returns every packet on the port it came in on, with `result` written; everything else is unchanged, so the output capture must equal `expected.pcap` frame for frame. The program carries its table entries (`const entries`); a program compiled with `-DHOMUNCULUS_CONTROL_PLANE_ENTRIES` needs `bmv2/" + p4 + ".commands.txt` loaded with `simple_switch_CLI` first (raise the `--use-files` wait to leave time for it).");
        if (ClassActions.Any(model))
        {
            int back = Enumerable.Range(0, counts.Length).Where(c => ReturnsToHarness(model, c)).Sum(c => counts[c]);
            w.Line();
            w.Line(string.Create(inv, $"Per-class actions (docs/actions.md) apply: packets of a class that is dropped or sent out of another port than {HarnessPort} do not come back, so `expected.pcap` holds the {back} of the {count} packets that do (with `result` written as above); copies to the CPU and digests do not appear on port {HarnessPort}."));
        }
        w.Line();
        w.Line("## Other targets");
        w.Line();
        w.Line($"Every target's program takes the same feature values: a P4 program for another target reads the same header (send `input.pcap`, compare with `expected.pcap`); the Spatial program (`taurus/{SpatialEmitter.ObjectName(model.Name)}.scala`) takes the same field values, one argument per feature in this order: {string.Join(", ", model.Features.Select(f => "`" + P4FeatureTransport.FieldName(f) + "`"))}.");
        return w.ToString();
    }

    /// <summary>The auto-generated notice and the title, shared by both kinds of vectors.</summary>
    internal static void ReadmeTitle(CodeWriter w, ModelFile model)
    {
        w.Line("<!-- <auto-generated>");
        w.Line($"Generated by Homunculus.Compiler VectorsEmitter from {HtmlComment(model.SpecFile)} (model '{HtmlComment(model.Name)}', {HtmlComment(model.Algorithm)}).");
        w.Line($"Homunculus compiler {HtmlComment(model.CompilerVersion)}. Do not edit: rebuild the project instead.");
        w.Line("</auto-generated> -->");
        w.Line();
        w.Line($"# Test vectors: {Text(model.Name)}");
    }

    /// <summary>Compiling the BMv2 program, replaying input.pcap on port 0 and comparing the output with expected.pcap.</summary>
    internal static void Bmv2Replay(CodeWriter w, string p4)
    {
        w.Line("From the program's output folder (the one holding `bmv2/` and `vectors/`), with p4c and behavioral-model installed:");
        w.Line();
        w.Line("```sh");
        w.Line($"p4c-bm2-ss --p4v 16 bmv2/{p4}.p4 -o /tmp/{p4}.json");
        w.Line("mkdir -p /tmp/hmc-vectors && cp vectors/input.pcap /tmp/hmc-vectors/port0_in.pcap");
        w.Line("# --use-files N: interface X reads X_in.pcap and writes X_out.pcap (in the working directory) after N seconds");
        w.Line($"(cd /tmp/hmc-vectors && simple_switch --use-files 0 -i 0@port0 /tmp/{p4}.json) & sleep 5; kill $!");
        w.Line("# compare the frames, not the capture times (-t: no timestamps, -xx: every byte)");
        w.Line("diff <(tcpdump -t -xx -r vectors/expected.pcap) <(tcpdump -t -xx -r /tmp/hmc-vectors/port0_out.pcap) && echo 'all packets as expected'");
        w.Line("```");
    }

    /// <summary>Inside an HTML comment: no "--" (which would end or break it).</summary>
    private static string HtmlComment(string text)
    {
        string s = Escaping.Comment(text);
        while (s.Contains("--")) s = s.Replace("--", "- -");
        return s.EndsWith("-", StringComparison.Ordinal) ? s + " " : s;
    }

    internal static string Text(string text) => Escaping.Comment(text).Replace("|", "\\|").Replace("`", "'");
}
