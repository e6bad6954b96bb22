//! Paginators as state machines: which request to send next, and when to stop.
//!
//! ```
//! use lambda_proto::{operations::ListFunctions, paginate::Paginator, types::ListFunctionsResponse};
//!
//! let mut pages = Paginator::new(ListFunctions::new());
//! assert!(pages.next_request().unwrap().marker.is_none());
//! let mut page = ListFunctionsResponse::default();
//! page.next_marker = Some("m1".into());
//! let items = pages.on_page(page);
//! assert!(items.is_empty());
//! assert_eq!(pages.next_request().unwrap().marker.as_deref(), Some("m1"));
//! pages.on_page(ListFunctionsResponse::default()); // no marker: last page
//! assert!(pages.next_request().is_none());
//! ```

use crate::operation::Operation;

/// An operation that returns its results in pages.
pub trait Paginated: Operation + Clone {
    /// One result item.
    type Item;
    /// Sets the input token (`Marker`).
    fn set_page_token(&mut self, token: Option<String>);
    /// The input token.
    fn page_token(&self) -> Option<&str>;
    /// The output token (`NextMarker`); `None` on the last page.
    fn next_page_token(output: &Self::Output) -> Option<&str>;
    /// The page's items.
    fn into_items(output: Self::Output) -> Vec<Self::Item>;
    /// Sets the page size (`MaxItems`).
    fn set_page_size(&mut self, size: i32);
}

/// Walks the pages of a paginated operation.
///
/// It stops on a page without a next token, and also when the service repeats the
/// token it was just sent (a guard the AWS SDKs have against endless loops).
#[derive(Debug, Clone)]
pub struct Paginator<O> {
    next: Option<O>,
}

impl<O: Paginated> Paginator<O> {
    /// Starts at the page the input's token names (the first page when it has none).
    pub fn new(input: O) -> Self {
        Paginator { next: Some(input) }
    }

    /// Starts with a page size.
    pub fn with_page_size(mut input: O, size: i32) -> Self {
        input.set_page_size(size);
        Self::new(input)
    }

    /// The request to send next, or `None` when all pages have been read.
    pub fn next_request(&self) -> Option<&O> {
        self.next.as_ref()
    }

    /// Feeds the output of the request [`next_request`](Self::next_request) gave; returns
    /// the page's items.
    pub fn on_page(&mut self, output: O::Output) -> Vec<O::Item> {
        self.next = self.next.take().and_then(|mut op| {
            let token = next_token(op.page_token(), O::next_page_token(&output))?;
            op.set_page_token(Some(token));
            Some(op)
        });
        O::into_items(output)
    }

    /// Stops paging (for example after an error).
    pub fn stop(&mut self) {
        self.next = None;
    }

    /// Whether there are no more pages.
    pub fn is_done(&self) -> bool {
        self.next.is_none()
    }
}

/// The token of the next page: the one received, unless it is absent, empty, or the token
/// just sent (then the last page has been read).
pub(crate) fn next_token(sent: Option<&str>, received: Option<&str>) -> Option<String> {
    received
        .filter(|t| !t.is_empty() && Some(*t) != sent)
        .map(str::to_string)
}
