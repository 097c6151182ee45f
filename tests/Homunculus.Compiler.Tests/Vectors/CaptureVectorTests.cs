using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Compiler.Emitters.Vectors;
using Homunculus.Compiler.Pipeline;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Tests.Actions;
using Homunculus.Compiler.Tests.Emitters;
using Homunculus.Compiler.Tests.Packets;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Packets;

namespace Homunculus.Compiler.Tests.Vectors;

/// <summary>
/// Test vectors of programs on packet and flow fields (docs/test-vectors.md): input.pcap holds the sample's test
/// captures frame for frame, and the emitted BMv2 program - parser, ingress with registers kept across the whole
/// file, actions and deparser, executed on input.pcap in order with the capture timestamps as its clock - computes
/// the classes of expected-classes.csv and sends back exactly the frames of expected.pcap.
/// </summary>
public sealed class CaptureVectorTests
{
    private static string Data => Path.Combine(PacketFieldTests.SampleFolder, "data").Replace('\\', '/');

    private const string Actions = "\"actions\": { \"Aria\": \"drop\", \"EdimaxPlug1101W\": { \"dscp\": 46 } },\n  \"platform\"";

    private static string SampleSpec(string hspec, bool actions)
    {
        string text = File.ReadAllText(Path.Combine(PacketFieldTests.SampleFolder, hspec)).Replace("\"data/", $"\"{Data}/");
        return actions ? text.Replace("\"platform\"", Actions) : text;
    }

    private static CompileResult Compile(string specText)
    {
        using var project = new TempProject();
        project.Spec(specText);
        var result = project.Compile(cache: false);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return result;
    }

    /// <summary>A classic pcap file read with a reader written here: the frames and their timestamps in microseconds.</summary>
    private static List<(long Micros, byte[] Bytes)> ReadPcap(byte[] file)
    {
        using var reader = new BinaryReader(new MemoryStream(file));
        Assert.Equal(0xA1B2C3D4u, reader.ReadUInt32());
        reader.ReadBytes(16);
        Assert.Equal(1, reader.ReadInt32());
        var frames = new List<(long, byte[])>();
        while (reader.BaseStream.Position < reader.BaseStream.Length)
        {
            uint seconds = reader.ReadUInt32(), micros = reader.ReadUInt32();
            int captured = reader.ReadInt32(), original = reader.ReadInt32();
            Assert.Equal(captured, original);
            Assert.True(micros < 1_000_000);
            frames.Add((seconds * 1_000_000L + micros, reader.ReadBytes(captured)));
        }
        return frames;
    }

    private sealed record ClassLine(int Frame, int Class, string Name, int Capture, bool Selected);

    private static List<ClassLine> ReadClasses(string csv)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("frame,class,name,capture,selected", lines[0]);
        return lines.Skip(1).Select(l => l.Split(',')).Select(c => new ClassLine(int.Parse(c[0]), int.Parse(c[1]), c[2], int.Parse(c[3]), c[4] == "1")).ToList();
    }

    /// <summary>Every frame of the sample's test captures, read here: capture files in path order, frames in file order.</summary>
    private static List<(byte[] Frame, long Micros, bool Selected, int Capture)> TestCaptureFrames()
    {
        var frames = new List<(byte[], long, bool, int)>();
        var paths = Directory.GetFiles(Path.Combine(Data, "test"), "*.pcap", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        for (int c = 0; c < paths.Count; c++)
        {
            var bytes = File.ReadAllBytes(paths[c]);
            var mac = PcapReader.ParseMac(File.ReadAllText(Path.Combine(Path.GetDirectoryName(paths[c])!, "_iotdevice-mac.txt")))!;
            foreach (var f in PcapReader.TryRead(bytes, out _)!)
            {
                var frame = bytes.AsSpan(f.Offset, f.CapturedLength).ToArray();
                frames.Add((frame, f.TimestampMicroseconds, frame.Length >= 12 && frame.AsSpan(6, 6).SequenceEqual(mac), c + 1));
            }
        }
        return frames;
    }

    /// <summary>
    /// With <paramref name="neverTimeOut"/> (flows only), flows never expire, so a flow seen in two captures (DHCP
    /// from 0.0.0.0, for one) continues across them: the vectors must expect what one stream gives.
    /// </summary>
    [Theory]
    [InlineData("devices.hspec", false, false)]
    [InlineData("devices.hspec", true, false)]
    [InlineData("flows.hspec", false, false)]
    [InlineData("flows.hspec", true, false)]
    [InlineData("flows.hspec", false, true)]
    public void The_BMv2_program_computes_the_expected_classes_and_sends_the_expected_frames_for_input_pcap(string hspec, bool actions, bool neverTimeOut)
    {
        string text = SampleSpec(hspec, actions);
        if (neverTimeOut) text = text.Replace("\"timeoutSeconds\": 60", "\"timeoutSeconds\": 0");
        var result = Compile(text);
        var model = result.Model!;
        Assert.True(model.ReadsPacketFields);
        Assert.Equal(hspec == "flows.hspec", model.KeepsFlowState);

        // input.pcap: the test captures' frames, byte for byte, with their capture timestamps (the sample has fewer than the cap).
        var input = ReadPcap(result.Outputs![VectorsEmitter.InputFile]);
        var captured = TestCaptureFrames();
        Assert.True(captured.Count <= CaptureVectors.MaxFrames);
        Assert.Equal(captured.Count, input.Count);
        for (int i = 0; i < input.Count; i++)
        {
            Assert.True(captured[i].Frame.AsSpan().SequenceEqual(input[i].Bytes), $"frame {i} differs from the capture's");
            Assert.Equal(captured[i].Micros, input[i].Micros);
        }
        var classes = ReadClasses(result.Files![VectorsEmitter.ClassesFile]);
        Assert.Equal(input.Count, classes.Count);
        for (int i = 0; i < classes.Count; i++)
        {
            Assert.Equal(i, classes[i].Frame);
            Assert.Equal((captured[i].Capture, captured[i].Selected), (classes[i].Capture, classes[i].Selected));
            Assert.Equal(classes[i].Class == CaptureVectors.NoDecision ? "" : model.Classes[classes[i].Class].Name, classes[i].Name);
        }

        // The program on input.pcap as one stream: registers reset once, the capture timestamps as the switch's clock.
        string program = result.Files!.Single(f => f.Key.StartsWith("bmv2/", StringComparison.Ordinal) && f.Key.EndsWith(".p4", StringComparison.Ordinal)).Value;
        var parser = new P4ParserEvaluator(program);
        var ingress = new P4IngressEvaluator(program) { IngressPort = VectorsEmitter.HarnessPort };
        ingress.ResetRegisters();
        var sent = new List<(long Micros, byte[] Bytes)>();
        int rewritten = 0;
        for (int i = 0; i < input.Count; i++)
        {
            var frame = input[i].Bytes;
            var (values, valid) = parser.Run(frame);
            var env = ingress.Run(values, parser.Wide, valid, frame.Length, input[i].Micros);
            Assert.True(classes[i].Class == env[P4PacketFields.ResultRef], $"frame {i}: the program computes class {env[P4PacketFields.ResultRef]}, expected-classes.csv says {classes[i].Class}");
            if (ingress.Dropped || ingress.EgressSpec != VectorsEmitter.HarnessPort) continue;
            var output = ActionEmitterTests.Deparse(program, env, valid, frame);
            if (!output.AsSpan().SequenceEqual(frame)) rewritten++;
            sent.Add((input[i].Micros, output));
        }
        var expected = ReadPcap(result.Outputs[VectorsEmitter.ExpectedFile]);
        Assert.Equal(sent.Count, expected.Count);
        for (int i = 0; i < sent.Count; i++)
        {
            Assert.True(sent[i].Bytes.AsSpan().SequenceEqual(expected[i].Bytes), $"sent frame {i} differs from expected.pcap's");
            Assert.Equal(sent[i].Micros, expected[i].Micros);
        }

        // The sample's models predict every class somewhere in the captures (the model without a timeout is another model).
        if (!neverTimeOut) for (int c = 0; c < model.Classes.Count; c++) Assert.Contains(classes, l => l.Class == c);
        Assert.Equal(model.KeepsFlowState, classes.Any(l => l.Class == CaptureVectors.NoDecision));
        if (actions)
        {
            int drop = model.Classes.ToList().FindIndex(c => c.Name == "Aria"), dscp = model.Classes.ToList().FindIndex(c => c.Name == "EdimaxPlug1101W");
            Assert.Equal(input.Count - classes.Count(l => l.Class == drop), expected.Count);
            Assert.True(rewritten > 0 && rewritten <= classes.Count(l => l.Class == dscp), $"{rewritten} frames rewritten");
        }
        else
        {
            Assert.Equal(0, rewritten);
            Assert.Equal(input.Select(f => f.Bytes), expected.Select(f => f.Bytes));
        }

        string readme = result.Files[VectorsEmitter.ReadmeFile];
        Assert.Contains("simple_switch --use-files 0 -i 0@port0", readme);
        Assert.Contains("`m.result`", readme);
        Assert.Contains("log_msg", readme);
        Assert.Contains("digest", readme);
        Assert.Contains($"`input.pcap`: {input.Count} frames", readme);
        Assert.Contains($"the {expected.Count} frames the program sends back on port 0", readme);
        Assert.Equal(model.KeepsFlowState, readme.Contains("### Timing", StringComparison.Ordinal));
        Assert.Equal(model.KeepsFlowState, readme.Contains("as one source", StringComparison.Ordinal));
        if (model.KeepsFlowState) Assert.Contains(neverTimeOut ? "arrive: `flow.maxInterArrival`." : "`flow.maxInterArrival`, the flow timeout (60 s)", readme);

        if (neverTimeOut)
        {
            // A fresh flow table per capture, as the loader keeps, would expect other classes for some frames.
            Assert.Equal(0, model.Flow!.TimeoutMicroseconds);
            int differ = 0;
            foreach (var capture in captured.Select((f, i) => (f.Capture, Index: i)).GroupBy(f => f.Capture))
            {
                var pipeline = PacketFeaturePipeline.For(model);
                foreach (var (_, i) in capture)
                {
                    var values = new long[model.Features.Count];
                    int cls = pipeline.Observe(input[i].Bytes, input[i].Micros, values)
                        ? ReferenceInterpreter.Predict(model, values.Select((v, f) => FeatureEncoder.EncodeNumber(model.Features[f], v)).ToArray())
                        : CaptureVectors.NoDecision;
                    if (cls != classes[i].Class) differ++;
                }
            }
            Assert.True(differ > 0, "no flow continues from one capture into the next: the case does not test the one-stream semantics");
        }
    }

    [Fact]
    public void Without_timing_features_the_README_counts_the_frames_whose_class_depends_on_the_timeout()
    {
        string text = SampleSpec("flows.hspec", actions: false).Replace("\"flow.maxInterArrival\", ", "");
        var result = Compile(text);
        var model = result.Model!;
        Assert.Empty(CaptureVectors.TimingFeatures(model));
        var input = ReadPcap(result.Outputs![VectorsEmitter.InputFile]);
        var classes = ReadClasses(result.Files![VectorsEmitter.ClassesFile]);
        var untimed = PacketFeaturePipeline.For(model with { Flow = model.Flow! with { TimeoutMicroseconds = 0 } });
        int differ = 0;
        for (int i = 0; i < input.Count; i++)
        {
            var values = new long[model.Features.Count];
            int cls = untimed.Observe(input[i].Bytes, input[i].Micros, values)
                ? ReferenceInterpreter.Predict(model, values.Select((v, f) => FeatureEncoder.EncodeNumber(model.Features[f], v)).ToArray())
                : CaptureVectors.NoDecision;
            if (cls != classes[i].Class) differ++;
        }
        string readme = result.Files[VectorsEmitter.ReadmeFile];
        Assert.Contains("The program depends on when packets arrive: the flow timeout (60 s).", readme);
        Assert.Contains($"without the timeout, {differ} of the {input.Count} frames would get another class", readme);
    }

    [Fact]
    public void Capture_vectors_are_byte_identical_across_compilations_and_from_the_cache()
    {
        string text = SampleSpec("flows.hspec", actions: false);
        var first = Compile(text);
        var second = Compile(text);
        using var project = new TempProject();
        project.Spec(text);
        var fresh = project.Compile();
        var cached = project.Compile();
        Assert.True(cached.FromCache);
        foreach (var file in new[] { VectorsEmitter.InputFile, VectorsEmitter.ExpectedFile, VectorsEmitter.ClassesFile, VectorsEmitter.ReadmeFile })
        {
            Assert.Equal(first.Outputs![file], second.Outputs![file]);
            Assert.Equal(first.Outputs[file], fresh.Outputs![file]);
            Assert.Equal(first.Outputs[file], cached.Outputs![file]);
            Assert.Equal(first.Outputs[file], File.ReadAllBytes(Path.Combine(project.OutputFolder, file)));
        }
    }

    private static CaptureFrames Synthetic(string label, params int[] lengths)
    {
        int at = 0;
        var frames = lengths.Select((length, i) => { var f = new PcapFrame(i, at, length, length, i); at += length; return f; }).ToList();
        return new CaptureFrames(label, new byte[at], frames, frames.Select(_ => true).ToList());
    }

    [Fact]
    public void Take_keeps_the_same_prefix_of_every_capture_and_at_most_MaxFrames()
    {
        int[] sizes = { 5000, 10, 3000, 1, 700 };
        var captures = sizes.Select((n, i) => Synthetic($"label{i % 2}", Enumerable.Repeat(60, n).ToArray())).ToList();
        var taken = CaptureVectors.Take(captures);
        long Total(int prefix) => sizes.Sum(n => (long)Math.Min(prefix, n));
        int prefix = 663;
        Assert.True(Total(prefix) <= CaptureVectors.MaxFrames && Total(prefix + 1) > CaptureVectors.MaxFrames);
        var expected = sizes.SelectMany((n, c) => Enumerable.Range(0, Math.Min(prefix, n)).Select(f => (c, f))).ToList();
        Assert.Equal(expected, taken);
        Assert.Equal(taken, CaptureVectors.Take(captures));

        // Everything when it fits; frames longer than the snap length never.
        var small = new[] { Synthetic("a", 60, 70_000, 60), Synthetic("b", 61) };
        Assert.Equal(new[] { (0, 0), (0, 2), (1, 0) }, CaptureVectors.Take(small));

        // More captures than frames allowed: one frame each, the labels in turn, in capture order.
        var many = Enumerable.Range(0, 3000).Select(i => Synthetic(i < 2800 ? "big" : "rare", 60, 60)).ToList();
        var one = CaptureVectors.Take(many);
        Assert.Equal(CaptureVectors.MaxFrames, one.Count);
        Assert.All(one, t => Assert.Equal(0, t.Frame));
        Assert.Equal(200, one.Count(t => t.Capture >= 2800));
        Assert.Equal(one.OrderBy(t => t.Capture), one);
    }

    private static LoadedData Load(string specText)
    {
        var diagnostics = new DiagnosticBag();
        var spec = HSpecParser.Parse(Path.Combine(PacketFieldTests.SampleFolder, "devices.hspec"), specText, diagnostics)!;
        var data = DataLoader.Load(spec, DataLoader.ReadFiles(spec, diagnostics)!, diagnostics);
        Assert.True(data is not null, string.Join("\n", diagnostics.Items));
        return data!;
    }

    [Fact]
    public void Test_captures_are_the_captures_the_test_rows_come_from()
    {
        string text = File.ReadAllText(Path.Combine(PacketFieldTests.SampleFolder, "devices.hspec"));
        int trainCaptures = Directory.GetFiles(Path.Combine(Data, "train"), "*.pcap", SearchOption.AllDirectories).Length;

        var test = Load(text);
        Assert.Equal(TestCaptureFrames().Count, test.TestCaptures!.Sum(c => c.Frames.Count));
        Assert.Equal(test.Test.Rows, test.TestCaptures!.Sum(c => c.Selected.Count(s => s)));

        // Whole captures held out: exactly those, and their selected frames are the test rows.
        var byFile = Load(text.Replace("\"test\": \"data/test/*/*.pcap\",", "\"holdoutBy\": \"file\", \"holdout\": 0.25,"));
        Assert.InRange(byFile.TestCaptures!.Count, 1, trainCaptures - 1);
        Assert.Equal(byFile.Test.Rows, byFile.TestCaptures.Sum(c => c.Selected.Count(s => s)));

        // A per-packet holdout draws test rows from every capture.
        var byPacket = Load(text.Replace("\"test\": \"data/test/*/*.pcap\",", "\"holdoutBy\": \"packet\", \"holdout\": 0.25,"));
        Assert.Equal(trainCaptures, byPacket.TestCaptures!.Count);

        using var project = new TempProject().Spec(TempProject.ToySpec).File("train.csv", TempProject.ToyCsv(60));
        var diagnostics = new DiagnosticBag();
        var spec = HSpecParser.Parse(project.SpecPath, TempProject.ToySpec, diagnostics)!;
        var csv = DataLoader.Load(spec, DataLoader.ReadFiles(spec, diagnostics)!, diagnostics);
        Assert.True(csv is not null, string.Join("\n", diagnostics.Items));
        Assert.Null(csv!.TestCaptures);
    }
}
