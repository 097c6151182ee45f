using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Compiler.Emitters.Spatial;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Tests.Emitters;

/// <summary>User text (model, feature, category, class names) never leaves an escaped comment.</summary>
public sealed class HostileNameTests
{
    private static readonly ModelFile Model = EmitterTestModels.HostileNames();

    private static IEnumerable<(string Path, string Content)> Files() =>
        GoldenFileTests.EmitAll(Model).Select(f => (f.RelativePath, f.Content));

    [Fact]
    public void NoCommentTerminatorsOrControlCharacters()
    {
        foreach (var (path, content) in Files())
        {
            Assert.DoesNotContain("/*", content);
            Assert.DoesNotContain("*/", content);
            Assert.DoesNotContain("\r", content);
            Assert.True(content.All(c => c == '\n' || (c >= 0x20 && c < 0x7F)), $"{path}: non-printable character");
            Assert.All(content.Split('\n'), line => Assert.False(line.EndsWith('\\'), $"{path}: line ends with a backslash"));
        }
    }

    [Fact]
    public void ScalaSourceHoldsNoUnicodeEscape()
    {
        // Scala 2 translates unicode escapes even inside comments: one from user text would end the comment.
        var scala = Files().Single(f => f.Path.EndsWith(".scala", StringComparison.Ordinal)).Content;
        Assert.DoesNotContain("\\u", scala);
        Assert.DoesNotContain("\\", scala);
    }

    [Fact]
    public void UserTextOnlyInComments()
    {
        foreach (var (path, content) in Files())
        {
            bool script = path.EndsWith(".txt", StringComparison.Ordinal);
            foreach (var line in content.Split('\n'))
            {
                string code = script ? (line.StartsWith('#') ? "" : line) : P4Text.CodePart(line);
                foreach (var fragment in new[] { "*/", "/*", "inject()", "evil ", "\\u", "'", "break" })
                    Assert.DoesNotContain(fragment, code);
            }
        }
    }

    [Fact]
    public void KeywordNamesBecomePrefixedIdentifiers()
    {
        string p4 = P4Text.StripLineComments(Files().Single(f => f.Path.EndsWith(".p4", StringComparison.Ordinal)).Content);
        Assert.Contains("bit<8> f_apply;", p4);
        Assert.Contains("bit<32> f_bit;", p4);
        Assert.Contains("bit<8> f_table_name_inject;", p4);
        Assert.Contains("bit<8> f__3rd_feature;", p4);
        Assert.Contains("bit<8> f_u000a_object;", p4);
        Assert.Contains("table onehot_table_name_inject {", p4);
        Assert.DoesNotMatch(@"(?<![\w.])(apply|table|bit)\s*=", p4);
        foreach (var word in P4Text.Words(p4).Where(w => char.IsDigit(w[0]))) Assert.Matches(@"^(\d+|0x[0-9A-F]+)$", word);
        string scala = P4Text.StripLineComments(Files().Single(f => f.Path.EndsWith(".scala", StringComparison.Ordinal)).Content);
        Assert.Contains("@spatial object AEvilProgramU000aX extends SpatialApp {", scala);
        Assert.Contains("val f_apply = ArgIn[U8]", scala);
    }

    [Fact]
    public void P4NamesInFileNamesAreSnakeCase()
    {
        var paths = GoldenFileTests.EmitAll(Model).Select(f => f.RelativePath).ToList();
        Assert.Contains("bmv2/a_evil_program_u000a_x.p4", paths);
        Assert.Contains("taurus/AEvilProgramU000aX.scala", paths);
        Assert.All(paths, p => Assert.Matches(@"^[a-z0-9]+/[A-Za-z0-9_./]+$", p));
    }

    [Fact]
    public void CollidingFeatureNamesAreRejected()
    {
        var model = EmitterTestModels.AnomalyDetector();
        var features = model.Features.ToArray();
        features[1] = features[1] with { Name = "src-bytes" };
        var clash = model with { Features = features.ToEquatableArray() };
        Assert.Throws<InvalidOperationException>(() => new Bmv2Emitter().Emit(clash));
        Assert.Throws<InvalidOperationException>(() => new SpatialEmitter().Emit(clash));
    }
}
