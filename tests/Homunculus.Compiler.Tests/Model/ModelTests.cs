using System.Linq;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;

namespace Homunculus.Compiler.Tests.Model;

public sealed class ModelTests
{
    [Fact]
    public void Compand_is_exact_below_the_log_range_monotonic_and_within_8_bits()
    {
        for (uint v = 0; v < 1u << (Compand.MantissaBits + 1); v++) Assert.Equal((int)v, Compand.Apply(v));
        int previous = -1;
        var random = new System.Random(3);
        var values = Enumerable.Range(0, 32).SelectMany(p => new[] { 1u << p, (1u << p) - 1, (uint)random.NextInt64(0, 1L << p) }).Append(uint.MaxValue).Distinct().OrderBy(v => v);
        foreach (var v in values)
        {
            int c = Compand.Apply(v);
            Assert.True(c >= previous, $"not monotonic at {v}");
            Assert.InRange(c, 0, 255);
            previous = c;
        }
        Assert.Equal(Compand.Max, Compand.Apply(uint.MaxValue));
        // 2^20 + 2^18: leading one at 20, next three bits 010.
        Assert.Equal(((20 - Compand.MantissaBits + 1) << Compand.MantissaBits) | 0b010, Compand.Apply((1u << 20) + (1u << 18)));
    }

    [Fact]
    public void Numbers_encode_by_scale_offset_round_and_clamp()
    {
        var f = new FeatureEncoding { Kind = FeatureKind.Fractional, Scale = 100, Offset = -50, Bits = 8, Max = 255 };
        Assert.Equal(57, FeatureEncoder.EncodeNumber(f, 0.07));       // 7 + 50
        Assert.Equal(51, FeatureEncoder.EncodeNumber(f, 0.005));      // 0.5 rounds away from zero
        Assert.Equal(0, FeatureEncoder.EncodeNumber(f, -3));          // below the range
        Assert.Equal(255, FeatureEncoder.EncodeNumber(f, 1e300));     // above the range
        Assert.Equal(0, FeatureEncoder.EncodeNumber(f, double.NaN));
    }

    [Fact]
    public void Categories_encode_by_ordinal_position_and_unknown_code()
    {
        var f = new FeatureEncoding { Kind = FeatureKind.Categorical, Categories = EquatableArray.From("icmp", "tcp", "udp"), Bits = 2, Max = 3 };
        Assert.Equal(1, FeatureEncoder.Encode(f, "tcp"));
        Assert.Equal(3, FeatureEncoder.Encode(f, "TCP"));
        Assert.Equal(3, f.UnknownCode);
    }

    [Fact]
    public void Interpreter_follows_the_layer_semantics()
    {
        var model = new ModelFile
        {
            Features = EquatableArray.From(
                new FeatureEncoding { Name = "x", Kind = FeatureKind.Integer, Bits = 8, Max = 255 },
                new FeatureEncoding { Name = "c", Kind = FeatureKind.Categorical, Bits = 2, Max = 3, Categories = EquatableArray.From("a", "b") }),
            Classes = EquatableArray.From(new ClassInfo { Name = "p" }, new ClassInfo { Name = "q" }),
            Model = new MlpModel
            {
                Inputs = EquatableArray.From(
                    new MlpInput { Feature = 0, Transform = InputTransform.Identity },
                    new MlpInput { Feature = 1, Transform = InputTransform.OneHot, Code = 0 },
                    new MlpInput { Feature = 1, Transform = InputTransform.OneHot, Code = 1 }),
                Layers = EquatableArray.From(
                    new DenseLayer { Inputs = 3, Outputs = 1, Weights = EquatableArray.From(4, 100, -1000), Biases = EquatableArray.From(-8), Activation = Activation.Relu, Shift = 2, ClampMax = 50 },
                    new DenseLayer { Inputs = 1, Outputs = 2, Weights = EquatableArray.From(1, -1), Biases = EquatableArray.From(0, 10) }),
            },
        };
        // x=10, c=a: h = relu(40 + 100 - 8) >> 2 = 33; out = (33, -23) -> class 0
        Assert.Equal(0, ReferenceInterpreter.Predict(model, new long[] { 10, 0 }));
        // x=10, c=b: h = relu(40 - 1000 - 8) = 0; out = (0, 10) -> class 1
        Assert.Equal(1, ReferenceInterpreter.Predict(model, new long[] { 10, 1 }));
        // x=255, unknown: h = min((1020 - 8) >> 2, 50) = 50 -> (50, -40) -> class 0
        Assert.Equal(new[] { 50, -40 }, ReferenceInterpreter.MlpOutputs((MlpModel)model.Model, new long[] { 255, 2 }));
        // ties go to the lowest index
        Assert.Equal(0, ReferenceInterpreter.ArgMax(new[] { 5, 5 }));
    }

    [Fact]
    public void Model_file_round_trips_and_is_stable_text()
    {
        var model = new ModelFile
        {
            Name = "M",
            Features = EquatableArray.From(new FeatureEncoding { Name = "x", Kind = FeatureKind.Fractional, Scale = 10, Bits = 4, Max = 15 }),
            Classes = EquatableArray.From(new ClassInfo { Name = "a", Labels = EquatableArray.From("a") }, new ClassInfo { Name = "b", TakesOtherLabels = true }),
            Model = new MlpModel { Inputs = EquatableArray.From(new MlpInput()), Layers = EquatableArray.From(new DenseLayer { Inputs = 1, Outputs = 2, Weights = EquatableArray.From(1, 2), Biases = EquatableArray.From(3, 4), AccumulatorScale = 0.1 }) },
            Platform = new PlatformInfo { Target = "taurus", Resources = EquatableArray.From(new ResourceFigure { Name = "latency", Value = 12.5, Budget = 500, Unit = "ns" }) },
        };
        string json = ModelFileJson.Serialize(model);
        Assert.Equal(model, ModelFileJson.Deserialize(json));
        Assert.Equal(json, ModelFileJson.Serialize(ModelFileJson.Deserialize(json)));
        Assert.DoesNotContain("\r", json);
        Assert.Contains("\"kind\": \"network\"", json);
    }

    [Fact]
    public void Unknown_model_kind_is_rejected()
    {
        string json = ModelFileJson.Serialize(new ModelFile { Name = "M" }).Replace("\"kind\": \"network\"", "\"kind\": \"forest\"");
        var error = Assert.ThrowsAny<Newtonsoft.Json.JsonException>(() => ModelFileJson.Deserialize(json));
        Assert.Contains("forest", error.Message);
    }

    [Theory]
    [InlineData("src_bytes", "SrcBytes", "src_bytes")]
    [InlineData("srcBytes", "SrcBytes", "src_bytes")]
    [InlineData("3way", "_3way", "_3way")]
    [InlineData("class", "Class", "class")]
    [InlineData("int", "Int", "int")]
    [InlineData("_int", "Int", "int")]
    [InlineData("a\"; System.Exit(1); //", "ASystemExit1", "a_system_exit_1")]
    [InlineData("", "_", "_")]
    public void Identifiers_are_valid_and_deterministic(string text, string csharp, string snake)
    {
        Assert.Equal(csharp, Identifiers.CSharp(text));
        Assert.Equal(snake, Identifiers.Snake(text));
    }

    [Fact]
    public void Comments_cannot_be_broken_out_of()
    {
        string escaped = Escaping.Comment("x */ y /* z \n w \\u000a \\");
        Assert.DoesNotContain("*/", escaped);
        Assert.DoesNotContain("/*", escaped);
        Assert.DoesNotContain("\n", escaped);
        Assert.False(escaped.EndsWith('\\'));
        Assert.Equal("\"a\\\"b\\\\c\\u000a\"", Escaping.CSharpString("a\"b\\c\n"));
    }
}
