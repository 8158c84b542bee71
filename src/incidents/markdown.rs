//! Post-mortem Markdown to HTML that is safe to put in the page: pulldown-cmark renders, ammonia
//! keeps only harmless tags and attributes (no scripts, no event handlers, no `javascript:` links).

use pulldown_cmark::{html, Options, Parser};

pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::Builder::default().link_rel(Some("noopener noreferrer nofollow")).clean(&unsafe_html).to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_renders() {
        assert_eq!(render("**root cause**"), "<p><strong>root cause</strong></p>\n");
    }

    #[test]
    fn scripts_handlers_and_javascript_links_are_dropped() {
        let html = render(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3))\n\n\
             <a href=\"javascript:alert(4)\">x</a> <svg onload=alert(5)></svg> <iframe src=\"https://evil\"></iframe>",
        );
        for banned in ["<script", "onerror", "javascript:", "onload", "<iframe", "<svg"] {
            assert!(!html.contains(banned), "{banned} survived in {html}");
        }
        assert!(html.contains("<img src=\"x\">"), "{html}");
    }
}
