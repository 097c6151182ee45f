using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Emitters.Vectors;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using PacketDotNet;
using Xunit;

namespace Homunculus.Compiler.Tests.Vectors;

/// <summary>
/// Test vectors (docs/test-vectors.md) decoded back with a reader written here (not the product's) and
/// PacketDotNet's Ethernet parser: frame count, every field equals the encoded row, expected result ==
/// ReferenceInterpreter.Predict, input result == 0, byte-identical across runs.
/// </summary>
public sealed class TestVectorTests
{
    /// <summary>A frame as this test reads it from a classic pcap file.</summary>
    private sealed record Frame(uint Seconds, uint Micros, byte[] Bytes);

    private static List<Frame> ReadPcap(byte[] file)
    {
        using var reader = new BinaryReader(new MemoryStream(file));
        Assert.Equal(0xA1B2C3D4u, reader.ReadUInt32());     // little-endian, microsecond timestamps
        Assert.Equal((ushort)2, reader.ReadUInt16());
        Assert.Equal((ushort)4, reader.ReadUInt16());
        Assert.Equal(0, reader.ReadInt32());                 // thiszone
        Assert.Equal(0u, reader.ReadUInt32());               // sigfigs
        Assert.Equal(65535, reader.ReadInt32());             // snaplen
        Assert.Equal(1, reader.ReadInt32());                 // LINKTYPE_ETHERNET
        var frames = new List<Frame>();
        while (reader.BaseStream.Position < reader.BaseStream.Length)
        {
            uint seconds = reader.ReadUInt32(), micros = reader.ReadUInt32();
            int captured = reader.ReadInt32(), original = reader.ReadInt32();
            Assert.Equal(captured, original);
            Assert.True(micros < 1_000_000);
            frames.Add(new Frame(seconds, micros, reader.ReadBytes(captured)));
        }
        return frames;
    }

    /// <summary>The fields and result of a feature frame, parsed with PacketDotNet and docs/feature-header.md's layout.</summary>
    private static (long[] Fields, byte Result) Decode(ModelFile model, byte[] frame)
    {
        var eth = Assert.IsType<EthernetPacket>(Packet.ParsePacket(LinkLayers.Ethernet, frame));
        Assert.Equal(0x88B5, (int)eth.Type);
        Assert.Equal("020000000002", eth.DestinationHardwareAddress.ToString());
        Assert.Equal("020000000001", eth.SourceHardwareAddress.ToString());
        byte[] payload = eth.PayloadData ?? eth.PayloadPacket!.Bytes;
        var fields = new long[model.Features.Count];
        int at = 0;
        for (int i = 0; i < fields.Length; i++)
        {
            int bytes = model.Features[i].FieldBits / 8;
            for (int b = 0; b < bytes; b++) fields[i] = fields[i] << 8 | payload[at++];
        }
        for (int rest = at + 1; rest < payload.Length; rest++) Assert.Equal(0, payload[rest]);   // padding
        return (fields, payload[at]);
    }

    private static void CheckVectors(ModelFile model, IReadOnlyList<IReadOnlyList<long>> rows, IReadOnlyDictionary<string, byte[]> files)
    {
        var input = ReadPcap(files[VectorsEmitter.InputFile]);
        var expected = ReadPcap(files[VectorsEmitter.ExpectedFile]);
        Assert.Equal(rows.Count, input.Count);
        Assert.Equal(rows.Count, expected.Count);
        int headerBytes = model.Features.Sum(f => f.FieldBits / 8) + 1;
        for (int r = 0; r < rows.Count; r++)
        {
            Assert.Equal(Math.Max(60, 14 + headerBytes), input[r].Bytes.Length);
            Assert.Equal((uint)(r / 1000), input[r].Seconds);
            Assert.Equal((uint)(r % 1000 * 1000), input[r].Micros);
            Assert.Equal(input[r].Seconds, expected[r].Seconds);
            Assert.Equal(input[r].Micros, expected[r].Micros);
            var (fields, result) = Decode(model, input[r].Bytes);
            Assert.Equal(rows[r], fields);
            Assert.Equal(0, result);
            var (expectedFields, expectedResult) = Decode(model, expected[r].Bytes);
            Assert.Equal(rows[r], expectedFields);
            Assert.Equal(ReferenceInterpreter.Predict(model, rows[r]), expectedResult);
            // Only the result byte differs.
            var diff = Enumerable.Range(0, input[r].Bytes.Length).Where(i => input[r].Bytes[i] != expected[r].Bytes[i]).ToList();
            Assert.True(diff.Count == 0 && expectedResult == 0 || diff.SequenceEqual(new[] { 13 + headerBytes }), $"row {r}: bytes {string.Join(",", diff)} differ");
        }
    }

    /// <summary>Three features of 8-, 16- and 32-bit fields, three classes.</summary>
    internal static ModelFile MixedWidths()
    {
        var features = EquatableArray.From(
            new FeatureEncoding { Name = "small", Kind = FeatureKind.Integer, Bits = 5, Max = 31 },
            new FeatureEncoding { Name = "medium", Kind = FeatureKind.Integer, Bits = 12, Max = 4095 },
            new FeatureEncoding { Name = "wide", Kind = FeatureKind.Integer, Bits = 32, Max = uint.MaxValue });
        var mlp = new MlpModel
        {
            Inputs = EquatableArray.From(
                new MlpInput { Feature = 0, Transform = InputTransform.Identity },
                new MlpInput { Feature = 1, Transform = InputTransform.Log2Compand },
                new MlpInput { Feature = 2, Transform = InputTransform.Log2Compand }),
            Layers = EquatableArray.From(new DenseLayer
            {
                Inputs = 3,
                Outputs = 3,
                Weights = EquatableArray.From(8, -1, -1, -2, 3, -1, -2, -1, 3),
                Biases = EquatableArray.From(0, -20, -40),
                Activation = Activation.None,
            }),
        };
        return new ModelFile
        {
            Name = "mixed widths",
            SpecFile = "mixed.hspec",
            CompilerVersion = "0.1.0-test",
            Algorithm = "svm",
            Features = features,
            Classes = EquatableArray.From(new ClassInfo { Name = "a" }, new ClassInfo { Name = "b" }, new ClassInfo { Name = "c" }),
            Model = mlp,
        };
    }

    private static List<IReadOnlyList<long>> RandomRows(ModelFile model, int count, int seed)
    {
        var random = new Random(seed);
        var rows = new List<IReadOnlyList<long>>();
        for (int r = 0; r < count; r++)
            rows.Add(model.Features.Select(f => r == 0 ? 0 : r == 1 ? f.Max : (long)(random.NextDouble() * (f.Max + 1))).ToArray());
        return rows;
    }

    private static Dictionary<string, byte[]> Emit(ModelFile model, IReadOnlyList<IReadOnlyList<long>> rows) =>
        new VectorsEmitter().Emit(model, new VectorRows(rows)).ToDictionary(f => f.RelativePath, f => f.Bytes);

    [Fact]
    public void Vectors_round_trip_for_8_16_and_32_bit_fields()
    {
        var model = MixedWidths();
        var rows = RandomRows(model, 1500, seed: 3);
        var files = Emit(model, rows);
        CheckVectors(model, rows, files);
        Assert.True(rows.Select(r => ReferenceInterpreter.Predict(model, r)).Distinct().Count() >= 2, "the vectors should exercise more than one class");
        // Byte-identical across runs.
        var again = Emit(model, rows);
        Assert.Equal(files.Keys.OrderBy(k => k), again.Keys.OrderBy(k => k));
        foreach (var key in files.Keys) Assert.Equal(files[key], again[key]);
    }

    [Fact]
    public void The_first_frame_is_laid_out_byte_for_byte()
    {
        var model = MixedWidths();
        var files = Emit(model, new[] { (IReadOnlyList<long>)new long[] { 0x1F, 0x0ABC, 0xDEADBEEF } });
        byte[] frame = files[VectorsEmitter.InputFile].AsSpan(24 + 16).ToArray();
        Assert.Equal(new byte[]
        {
            0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x88, 0xB5,
            0x1F, 0x0A, 0xBC, 0xDE, 0xAD, 0xBE, 0xEF, 0x00,
        }, frame.Take(22));
        Assert.Equal(60, frame.Length);
        Assert.All(frame.Skip(22), b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_header_longer_than_the_minimum_frame_is_not_padded()
    {
        var wide = Enumerable.Range(0, 20).Select(i => new FeatureEncoding { Name = $"f{i}", Kind = FeatureKind.Integer, Bits = 32, Max = uint.MaxValue });
        var model = MixedWidths() with
        {
            Features = wide.ToEquatableArray(),
            Model = new MlpModel
            {
                Inputs = Enumerable.Range(0, 20).Select(i => new MlpInput { Feature = i, Transform = InputTransform.Log2Compand }).ToEquatableArray(),
                Layers = EquatableArray.From(new DenseLayer { Inputs = 20, Outputs = 3, Weights = Enumerable.Range(0, 60).Select(i => i % 5 - 2).ToEquatableArray(), Biases = EquatableArray.From(0, 0, 0) }),
            },
        };
        var rows = RandomRows(model, 50, seed: 9);
        var files = Emit(model, rows);
        CheckVectors(model, rows, files);
        Assert.Equal(14 + 81, ReadPcap(files[VectorsEmitter.InputFile])[0].Bytes.Length);
    }

    [Fact]
    public void Tree_models_get_vectors_too()
    {
        var model = MixedWidths() with
        {
            Algorithm = "tree",
            Model = new TreeEnsembleModel
            {
                Classes = 3,
                Bias = EquatableArray.From(0, 0, 0),
                Trees = EquatableArray.From(new DecisionTree
                {
                    Nodes = EquatableArray.From(
                        new TreeNode { Feature = 2, Threshold = 1_000_000, Left = 1, Right = -1 },
                        new TreeNode { Feature = 0, Threshold = 10, Left = -2, Right = -3 }),
                    Leaves = EquatableArray.From(
                        new TreeLeaf { Class = 2, Value = 1 },
                        new TreeLeaf { Class = 0, Value = 1 },
                        new TreeLeaf { Class = 1, Value = 1 }),
                }),
            },
        };
        Assert.True(new VectorsEmitter().Supports(model));
        var rows = RandomRows(model, 200, seed: 5);
        CheckVectors(model, rows, Emit(model, rows));
    }

    [Fact]
    public void A_compiled_program_carries_vectors_of_its_first_1000_test_rows()
    {
        const string TestCsvName = "test.csv";
        string spec = TempProject.ToySpec.Replace("\"train\": \"train.csv\",", "\"train\": \"train.csv\", \"test\": \"test.csv\",");
        Assert.Contains("test.csv", spec);
        string testCsv = TempProject.ToyCsv(1200, seed: 2);
        using var project = new TempProject().Spec(spec).File("train.csv", TempProject.ToyCsv(300)).File(TestCsvName, testCsv);
        var result = project.Compile(cache: false);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var model = result.Model!;

        // The test rows, encoded here from the CSV text with the model's encodings.
        var lines = testCsv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var columns = lines[0].Split(',');
        var rows = lines.Skip(1).Take(VectorRows.MaxRows).Select(line =>
        {
            var cells = line.Split(',');
            return (IReadOnlyList<long>)model.Features.Select(f => FeatureEncoder.Encode(f, cells[Array.IndexOf(columns, f.Name)])).ToArray();
        }).ToList();
        Assert.Equal(1000, rows.Count);
        CheckVectors(model, rows, result.Outputs!);
        foreach (var file in new[] { VectorsEmitter.InputFile, VectorsEmitter.ExpectedFile, VectorsEmitter.ReadmeFile })
            Assert.True(File.Exists(Path.Combine(project.OutputFolder, file)), file);
        Assert.Equal(result.Outputs![VectorsEmitter.InputFile], File.ReadAllBytes(Path.Combine(project.OutputFolder, VectorsEmitter.InputFile)));

        string readme = result.Files![VectorsEmitter.ReadmeFile];
        Assert.Contains("p4c-bm2-ss --p4v 16 bmv2/toy.p4 -o /tmp/toy.json", readme);
        Assert.Contains("simple_switch --use-files 0 -i 0@port0 /tmp/toy.json", readme);
        Assert.Contains("port0_in.pcap", readme);
        Assert.Contains("tcpdump -t -xx -r /tmp/hmc-vectors/port0_out.pcap", readme);

        // Byte-identical across compilations, and the same from the cache.
        using var twin = new TempProject().Spec(spec).File("train.csv", TempProject.ToyCsv(300)).File(TestCsvName, testCsv);
        var second = twin.Compile();
        foreach (var file in new[] { VectorsEmitter.InputFile, VectorsEmitter.ExpectedFile, VectorsEmitter.ReadmeFile })
            Assert.Equal(result.Outputs[file], second.Outputs![file]);
        var cached = twin.Compile();
        Assert.True(cached.FromCache);
        Assert.Equal(result.Outputs[VectorsEmitter.ExpectedFile], cached.Outputs![VectorsEmitter.ExpectedFile]);
    }

    [Fact]
    public void Pcap_writer_and_reader_agree()
    {
        var records = new[] { new Pcap.Record(1, 2, new byte[] { 1, 2, 3 }), new Pcap.Record(3, 999_999, new byte[60]) };
        var read = Pcap.Read(Pcap.Write(records));
        Assert.Equal(records.Length, read.Count);
        for (int i = 0; i < records.Length; i++)
        {
            Assert.Equal(records[i].Seconds, read[i].Seconds);
            Assert.Equal(records[i].Microseconds, read[i].Microseconds);
            Assert.Equal(records[i].Frame, read[i].Frame);
        }
        Assert.Throws<FormatException>(() => Pcap.Read(new byte[10]));
    }
}
