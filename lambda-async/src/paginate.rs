//! Paginators as streams of pages and of items.

use std::collections::VecDeque;

use futures_core::Stream;
use lambda_proto::paginate::{Paginated, Paginator};
use lambda_proto::Error;

use crate::client::Client;

impl Client {
    /// The pages of a paginated operation, fetched one at a time as the stream is polled.
    ///
    /// The stream ends after the page without a next marker (or when the service repeats
    /// the marker it was sent), and after the first error.
    ///
    /// ```no_run
    /// # async fn example(client: lambda_async::Client) -> Result<(), lambda_proto::Error<lambda_proto::operations::ListFunctionsError>> {
    /// use futures_util::StreamExt;
    /// use lambda_proto::operations::ListFunctions;
    ///
    /// let mut pages = std::pin::pin!(client.pages(ListFunctions::new().max_items(50)));
    /// while let Some(page) = pages.next().await {
    ///     println!("{} functions", page?.functions.unwrap_or_default().len());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn pages<O>(&self, input: O) -> impl Stream<Item = Result<O::Output, Error<O::Error>>>
    where
        O: Paginated + Send + Sync + 'static,
        O::Output: Clone + Send,
        O::Error: Send,
    {
        let state = (self.clone(), Paginator::new(input));
        futures_util::stream::unfold(state, |(client, mut paginator)| async move {
            let request = paginator.next_request()?.clone();
            match client.send(request).await {
                Ok(page) => {
                    paginator.on_page(page.clone());
                    Some((Ok(page), (client, paginator)))
                }
                Err(err) => {
                    paginator.stop();
                    Some((Err(err), (client, paginator)))
                }
            }
        })
    }

    /// The items of all pages of a paginated operation, fetched page by page as the stream
    /// is polled (at most one page is held in memory). Ends after the first error.
    pub fn items<O>(&self, input: O) -> impl Stream<Item = Result<O::Item, Error<O::Error>>>
    where
        O: Paginated + Send + Sync + 'static,
        O::Item: Send,
        O::Output: Send,
        O::Error: Send,
    {
        let state = (self.clone(), Paginator::new(input), VecDeque::new());
        futures_util::stream::unfold(state, |(client, mut paginator, mut items)| async move {
            loop {
                if let Some(item) = items.pop_front() {
                    return Some((Ok(item), (client, paginator, items)));
                }
                let request = paginator.next_request()?.clone();
                match client.send(request).await {
                    Ok(page) => items.extend(paginator.on_page(page)),
                    Err(err) => {
                        paginator.stop();
                        return Some((Err(err), (client, paginator, items)));
                    }
                }
            }
        })
    }
}
